/**
 * A feed's count change with its name claim, through the store's primitives: the store keeps the first claim
 * written and replaces a kept claim only over the one compared with; which claim wins is decided here, by the
 * domain's rule (claimedBefore), so the in-memory and DynamoDB stores cannot differ on it.
 */
import { claimedBefore, type NameClaim, NO_NAME_CLAIM } from '../article/name-claim.js';
import { ConflictError } from '../errors.js';
import type { IngestStore, TopicChange } from '../store/types.js';

/** Claims of a feed's name written meanwhile by others before giving up (each is earlier than the last). */
const MAX_NAME_ATTEMPTS = 20;

/**
 * Applies a change to a feed's metadata (count, revision, last change) and its name claim. The claim kept is
 * the one given first (earliest time, then the smaller spelling), whatever order changes arrive in. A claim
 * earlier than the kept one takes the name and its time, even when the spelling is the kept one (else a
 * spelling given between the two times would win when it came next). Usually one request; a claim that meets
 * an earlier-written later one replaces it with one more (and a read for each claim written meanwhile).
 */
export async function touchFeed(store: IngestStore, change: TopicChange): Promise<void> {
  const claim: NameClaim = { name: change.name, givenAt: change.nameGivenAt ?? NO_NAME_CLAIM };
  let kept = await store.touchTopic(change);
  for (let attempt = 0; attempt < MAX_NAME_ATTEMPTS; attempt++) {
    if (kept === undefined || !claimedBefore(claim, kept)) return;
    if (await store.replaceName(change.slug, claim, kept)) return;
    // Another claim was kept meanwhile (each one earlier than the last): compare with it.
    kept = await store.getNameClaim(change.slug);
  }
  throw new ConflictError(`feed ${change.slug}: its name kept changing; will retry`);
}
