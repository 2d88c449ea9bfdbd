/**
 * The feeds: a function behind its Function URL, served to readers through CloudFront.
 *
 * Caching: the cache key is the path plus exactly the query parameters the feeds read (FEED_QUERY_PARAMETERS):
 * a viewer-request function drops any other parameter (viewer-request.ts), so it can neither split the cache
 * nor reach the function. How
 * long a response is kept is the function's own Cache-Control (min TTL 0; nothing is cached when it says
 * nothing). Conditional requests (If-None-Match, If-Modified-Since) are answered by CloudFront from its cache
 * with a 304; once a cached feed expires, CloudFront revalidates it with the origin using the ETag and
 * Last-Modified the function gave, and the function answers 304 after one metadata read. The viewers' own
 * conditional headers therefore do not reach the origin, and do not need to. Responses are compressed (gzip,
 * br) and cached once per encoding.
 *
 * Access: the Function URL requires IAM auth and CloudFront signs its requests (origin access control), so the
 * function cannot be called around the cache.
 */
import { Duration, Names, Size, Stack, Validations } from 'aws-cdk-lib';
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CacheCookieBehavior,
  CachedMethods,
  CacheHeaderBehavior,
  CachePolicy,
  CacheQueryStringBehavior,
  Distribution,
  Function as EdgeFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  FunctionUrlOriginAccessControl,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginRequestHeaderBehavior,
  OriginRequestPolicy,
  OriginRequestQueryStringBehavior,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { FunctionUrlOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { type FunctionUrl, FunctionUrlAuthType } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { TAILORING_PARAMETERS } from '../../shared/feeds/params.js';
import { FEEDS_TIMEOUT_S } from '../../shared/limits.js';
import { DEFAULTS } from '../settings-defaults.js';
import { AppFunction, type AppFunctionOptions, HANDLER_ENTRIES } from './app-function.js';
import { grantFeeds } from './article-table.js';
import { viewerRequestCode } from './viewer-request.js';

/**
 * The query parameters the feeds read, and the only ones in CloudFront's cache key and origin requests (paging:
 * `limit`, `cursor`; OPML: `format`, `group`; the tailoring, shared/feeds/params.ts). A parameter the feeds
 * come to read is added here, and only here.
 */
export const FEED_QUERY_PARAMETERS = ['limit', 'cursor', 'format', 'group', ...TAILORING_PARAMETERS] as const;

/** The cache policy's comment (CloudFront allows 128 characters). */
export const CACHE_POLICY_COMMENT =
  'feedbucket feeds: path + the query parameters the viewer-request function keeps; TTL from Cache-Control';

/**
 * An uncached 50-item feed took 37 ms of CPU (first one 81 ms; bench row 9, docs/PERFORMANCE.md "Sizing"); the margin
 * covers the SDK's bounded retries and cold starts. The value lives in shared/limits.ts.
 */
export const FEEDS_TIMEOUT = Duration.seconds(FEEDS_TIMEOUT_S);

/** The header the feeds read to learn their public host when no base URL is configured. */
export const FORWARDED_HOST_HEADER = 'x-forwarded-host';

/**
 * A name for a CloudFront policy or origin access control. Their names are unique per account, across regions,
 * so the name carries the region: the same stack deploys in a second region. (CachePolicy and CloudFront
 * Function names already do.) The region is longest at 14 characters (ap-southeast-7).
 */
export function regionalName(scope: Construct, kind: string, maxLength: number): string {
  const base = Names.uniqueResourceName(scope, { maxLength: maxLength - kind.length - 16 });
  return `${base}-${kind}-${Stack.of(scope).region}`;
}

export interface FeedsSiteProps extends AppFunctionOptions {
  /**
   * The handler module.
   *
   * @default - functions/feeds/handler.ts of this repository
   */
  readonly entry?: string;
  /** The table the feeds read. */
  readonly table: ITable;
  /**
   * Title of the feeds and pages.
   *
   * @default 'feedbucket'
   */
  readonly siteTitle?: string;
  /**
   * The URL the feeds link to.
   *
   * @default - derived per request from X-Forwarded-Host, which an edge function sets from the viewer's Host
   */
  readonly publicBaseUrl?: string;
  /**
   * WebSub hubs the feeds announce (WEBSUB_HUBS).
   *
   * @default - none
   */
  readonly hubs?: readonly string[];
  /**
   * Custom domain of the distribution; needs `certificate`.
   *
   * @default - only the distribution's own *.cloudfront.net name
   */
  readonly domainName?: string;
  /**
   * ACM certificate (us-east-1) for `domainName`.
   *
   * @default - CloudFront's default *.cloudfront.net certificate
   */
  readonly certificate?: ICertificate;
  /**
   * Cache-Control max-age of the feeds (browsers, readers and CloudFront).
   *
   * @default Duration.minutes(5)
   */
  readonly maxAge?: Duration;
  /**
   * Cache-Control stale-while-revalidate of the feeds.
   *
   * @default Duration.hours(1)
   */
  readonly staleWhileRevalidate?: Duration;
  /**
   * Items of a feed page without `?limit=`.
   *
   * @default 50
   */
  readonly defaultLimit?: number;
  /**
   * Most items of a feed page.
   *
   * @default 200
   */
  readonly maxLimit?: number;
  /**
   * Most topics a merged feed combines (FEED_MAX_MERGED_TOPICS).
   *
   * @default 10
   */
  readonly maxMergedTopics?: number;
  /**
   * Most items of a merged feed's page (FEED_MERGED_MAX_LIMIT).
   *
   * @default - 50, or maxLimit when lower
   */
  readonly mergedMaxLimit?: number;
  /**
   * How far back from a feed's newest article its top stories reach (FEED_TOP_WINDOW_DAYS, whole days).
   *
   * @default Duration.days(7)
   */
  readonly topWindow?: Duration;
  /**
   * Which CloudFront edge locations serve the feeds.
   *
   * @default PriceClass.PRICE_CLASS_100
   */
  readonly priceClass?: PriceClass;
  /**
   * The function's memory.
   *
   * @default Size.mebibytes(512)
   */
  readonly memorySize?: Size;
  /**
   * Feeds instances reserved, and the most that run at once.
   *
   * @default - none reserved: the account's unreserved pool, no bound of its own
   */
  readonly reservedConcurrency?: number;
  /**
   * The most one request may take at the function.
   *
   * @default FEEDS_TIMEOUT
   */
  readonly timeout?: Duration;
}

/** Copies the viewer's Host into X-Forwarded-Host: the Function URL only ever sees its own host. */
export class FeedsSite extends Construct {
  readonly function: AppFunction;
  readonly functionUrl: FunctionUrl;
  readonly distribution: Distribution;
  readonly cachePolicy: CachePolicy;
  /** The public base URL of the feeds (no trailing slash). */
  readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: FeedsSiteProps) {
    super(scope, id);
    if ((props.domainName === undefined) !== (props.certificate === undefined)) {
      throw new Error(`${this.node.path}: domainName and certificate go together`);
    }
    const siteTitle = props.siteTitle ?? DEFAULTS.siteTitle;
    const maxLimit = props.maxLimit ?? DEFAULTS.feedMaxLimit;
    const defaultLimit = props.defaultLimit ?? Math.min(DEFAULTS.feedDefaultLimit, maxLimit);
    if (defaultLimit > maxLimit) {
      throw new Error(`${this.node.path}: defaultLimit ${defaultLimit} is above maxLimit ${maxLimit}`);
    }
    const timeout = props.timeout ?? FEEDS_TIMEOUT;
    const hubs = props.hubs ?? [];

    const environment: Record<string, string> = {
      TABLE_NAME: props.table.tableName,
      SITE_TITLE: siteTitle,
      FEED_MAX_AGE: String((props.maxAge ?? Duration.seconds(DEFAULTS.feedMaxAge)).toSeconds()),
      FEED_STALE_WHILE_REVALIDATE: String(
        (props.staleWhileRevalidate ?? Duration.seconds(DEFAULTS.feedStaleWhileRevalidate)).toSeconds(),
      ),
      FEED_DEFAULT_LIMIT: String(defaultLimit),
      FEED_MAX_LIMIT: String(maxLimit),
      FEED_MAX_MERGED_TOPICS: String(props.maxMergedTopics ?? DEFAULTS.feedMaxMergedTopics),
      FEED_MERGED_MAX_LIMIT: String(props.mergedMaxLimit ?? Math.min(DEFAULTS.feedMergedMaxLimit, maxLimit)),
      FEED_TOP_WINDOW_DAYS: String((props.topWindow ?? Duration.days(DEFAULTS.feedTopWindowDays)).toDays()),
    };
    if (props.publicBaseUrl) environment.PUBLIC_BASE_URL = props.publicBaseUrl;
    if (hubs.length > 0) environment.WEBSUB_HUBS = hubs.join(',');

    this.function = new AppFunction(this, 'Feeds', {
      entry: props.entry ?? HANDLER_ENTRIES.feeds,
      description: 'feedbucket feeds: RSS, Atom, JSON Feed, OPML and HTML pages from the table',
      memorySize: props.memorySize ?? Size.mebibytes(DEFAULTS.feedsMemoryMb),
      reservedConcurrency: props.reservedConcurrency,
      timeout,
      service: 'feeds',
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      environment,
    });
    grantFeeds(props.table, this.function.fn);

    this.functionUrl = this.function.fn.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });

    this.cachePolicy = new CachePolicy(this, 'CachePolicy', {
      comment: CACHE_POLICY_COMMENT,
      // All that the viewer-request function leaves: exactly FEED_QUERY_PARAMETERS. An allow list here would
      // hit CloudFront's quota of 10 query strings per cache policy.
      queryStringBehavior: CacheQueryStringBehavior.all(),
      headerBehavior: CacheHeaderBehavior.none(),
      cookieBehavior: CacheCookieBehavior.none(),
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.days(1),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });
    // Without a configured base URL the feeds need the public host: an edge function copies it into a header
    // that the origin request policy lets through. (Setting the URL from the distribution's domain name would
    // be a circular dependency: the distribution depends on the function.)
    const forwardHost = props.publicBaseUrl === undefined;
    const originRequestPolicy = forwardHost
      ? new OriginRequestPolicy(this, 'OriginRequestPolicy', {
          originRequestPolicyName: regionalName(this, 'origin', 128),
          comment: 'feedbucket feeds: the viewer host as X-Forwarded-Host',
          headerBehavior: OriginRequestHeaderBehavior.allowList(FORWARDED_HOST_HEADER),
          queryStringBehavior: OriginRequestQueryStringBehavior.none(),
        })
      : undefined;
    const viewerRequest = new EdgeFunction(this, 'ViewerRequest', {
      comment: forwardHost
        ? 'feedbucket: only the feeds query parameters; viewer Host -> X-Forwarded-Host'
        : 'feedbucket: only the feeds query parameters',
      code: FunctionCode.fromInline(
        viewerRequestCode({
          keepQuery: FEED_QUERY_PARAMETERS,
          forwardHostHeader: forwardHost ? FORWARDED_HOST_HEADER : undefined,
        }),
      ),
      runtime: FunctionRuntime.JS_2_0,
    });

    const responseHeadersPolicy = new ResponseHeadersPolicy(this, 'ResponseHeaders', {
      responseHeadersPolicyName: regionalName(this, 'headers', 128),
      comment: 'feedbucket feeds: security headers; CORS so that web-based readers can fetch the feeds',
      securityHeadersBehavior: {
        contentTypeOptions: { override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: false,
          override: false,
        },
        referrerPolicy: {
          referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
          override: false,
        },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: false },
      },
      corsBehavior: {
        accessControlAllowOrigins: ['*'],
        accessControlAllowMethods: ['GET', 'HEAD'],
        accessControlAllowHeaders: ['*'],
        accessControlExposeHeaders: ['ETag', 'Last-Modified'],
        accessControlAllowCredentials: false,
        originOverride: false,
      },
    });

    const certificate = props.certificate;
    this.distribution = new Distribution(this, 'Distribution', {
      comment: `feedbucket: ${siteTitle}`.slice(0, 128),
      defaultBehavior: {
        origin: FunctionUrlOrigin.withOriginAccessControl(this.functionUrl, {
          originAccessControl: new FunctionUrlOriginAccessControl(this, 'OriginAccessControl', {
            originAccessControlName: regionalName(this, 'oac', 64),
          }),
          readTimeout: Duration.seconds(Math.min(60, Math.max(5, timeout.toSeconds() + 1))),
        }),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachedMethods: CachedMethods.CACHE_GET_HEAD,
        compress: true,
        cachePolicy: this.cachePolicy,
        originRequestPolicy,
        responseHeadersPolicy,
        functionAssociations: [{ function: viewerRequest, eventType: FunctionEventType.VIEWER_REQUEST }],
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      priceClass: props.priceClass ?? PriceClass.PRICE_CLASS_100,
      domainNames: props.domainName ? [props.domainName] : undefined,
      certificate,
      // Only with a custom certificate: the default *.cloudfront.net one has a fixed policy.
      minimumProtocolVersion: certificate ? SecurityPolicyProtocol.TLS_V1_2_2021 : undefined,
    });

    this.baseUrl =
      props.publicBaseUrl ?? `https://${props.domainName ?? this.distribution.distributionDomainName}`;

    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason: 'Feeds are public reading for anyone, anywhere: there is no country to restrict.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'No WAF: the origin is read-only, every answer is cached at the edge, and a web ACL costs more per month ' +
          'than a small site serves. Associate one with the distribution if abuse appears.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'Feeds are anonymous public reads; the function logs every origin request with its path, and CloudFront ' +
          'metrics count the rest. Enable standard logging when per-request edge logs are needed.',
      },
    );
    if (!props.domainName) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain the distribution uses the default *.cloudfront.net certificate, whose TLS ' +
          'policy CloudFront fixes; with domainName and certificateArn it uses TLSv1.2_2021.',
      });
    }
  }
}
