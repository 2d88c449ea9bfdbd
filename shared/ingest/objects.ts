/** Reading article objects from S3 (any S3 API: AWS or the local s3rver). */
import { GetObjectCommand, NoSuchKey, type S3Client } from '@aws-sdk/client-s3';

export interface StoredObject {
  body: Uint8Array;
  eTag?: string;
  /** ISO time the object was last written. */
  lastModified?: string;
}

export interface ObjectSource {
  /** The object's current content, or undefined when it no longer exists. */
  get(bucket: string, key: string): Promise<StoredObject | undefined>;
}

export const unquote = (eTag: string | undefined): string | undefined => eTag?.replace(/^"|"$/g, '');

export class S3Objects implements ObjectSource {
  constructor(private readonly s3: S3Client) {}

  async get(bucket: string, key: string): Promise<StoredObject | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const body = out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      return { body, eTag: unquote(out.ETag), lastModified: out.LastModified?.toISOString() };
    } catch (e) {
      if (e instanceof NoSuchKey || (e as { name?: string })?.name === 'NoSuchKey') return undefined;
      throw e;
    }
  }
}
