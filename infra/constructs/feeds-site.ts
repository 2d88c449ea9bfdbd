/**
 * The feeds: a function behind its Function URL, served to readers through CloudFront.
 *
 * Caching: the cache key is the path plus exactly the query parameters the feeds read (`limit`, `cursor`,
 * `format`); any other parameter is dropped, so it can neither split the cache nor reach the function. How
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
import { Duration, Names, type RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
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
  type PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { FunctionUrlOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { type FunctionUrl, FunctionUrlAuthType } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { TAILORING_PARAMETERS } from '../../shared/feeds/params.js';
import { AppFunction } from './app-function.js';
import type { ArticleTable } from './article-table.js';

/** The query parameters the feeds read (issue: `limit`, `cursor`; OPML: `format`, `group`; the tailoring). */
export const FEED_QUERY_PARAMETERS = ['limit', 'cursor', 'format', 'group', ...TAILORING_PARAMETERS] as const;

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

export interface FeedsSiteProps {
  entry: string;
  table: ArticleTable;
  siteTitle: string;
  /** The URL the feeds link to; when absent the function derives it from X-Forwarded-Host (set at the edge). */
  publicBaseUrl?: string;
  /** WebSub hubs the feeds announce (WEBSUB_HUBS). */
  hubs: readonly string[];
  /** Custom domain and its ACM certificate (us-east-1). */
  domainName?: string;
  certificateArn?: string;
  maxAge: number;
  staleWhileRevalidate: number;
  defaultLimit: number;
  maxLimit: number;
  /** Merged feeds: the most topics, and the most items a page (FEED_MAX_MERGED_TOPICS, FEED_MERGED_MAX_LIMIT). */
  maxMergedTopics: number;
  mergedMaxLimit: number;
  priceClass: PriceClass;
  memorySize: number;
  /** Feeds instances reserved, and the most that run at once; undefined: none reserved. */
  reservedConcurrency?: number;
  timeout: Duration;
  logLevel: string;
  logRetention: RetentionDays;
  logRemovalPolicy: RemovalPolicy;
}

/** Copies the viewer's Host into X-Forwarded-Host: the Function URL only ever sees its own host. */
const FORWARD_HOST_CODE = `function handler(event) {
  var request = event.request;
  request.headers['${FORWARDED_HOST_HEADER}'] = { value: request.headers.host.value };
  return request;
}`;

export class FeedsSite extends Construct {
  readonly function: AppFunction;
  readonly functionUrl: FunctionUrl;
  readonly distribution: Distribution;
  readonly cachePolicy: CachePolicy;
  /** The public base URL of the feeds (no trailing slash). */
  readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: FeedsSiteProps) {
    super(scope, id);
    if ((props.domainName === undefined) !== (props.certificateArn === undefined)) {
      throw new Error(`${this.node.path}: domainName and certificateArn go together`);
    }
    if (props.defaultLimit > props.maxLimit) {
      throw new Error(
        `${this.node.path}: defaultLimit ${props.defaultLimit} is above maxLimit ${props.maxLimit}`,
      );
    }

    const environment: Record<string, string> = {
      TABLE_NAME: props.table.table.tableName,
      SITE_TITLE: props.siteTitle,
      FEED_MAX_AGE: String(props.maxAge),
      FEED_STALE_WHILE_REVALIDATE: String(props.staleWhileRevalidate),
      FEED_DEFAULT_LIMIT: String(props.defaultLimit),
      FEED_MAX_LIMIT: String(props.maxLimit),
      FEED_MAX_MERGED_TOPICS: String(props.maxMergedTopics),
      FEED_MERGED_MAX_LIMIT: String(props.mergedMaxLimit),
    };
    if (props.publicBaseUrl) environment.PUBLIC_BASE_URL = props.publicBaseUrl;
    if (props.hubs.length > 0) environment.WEBSUB_HUBS = props.hubs.join(',');

    this.function = new AppFunction(this, 'Feeds', {
      entry: props.entry,
      description: 'feedbucket feeds: RSS, Atom, JSON Feed, OPML and HTML pages from the table',
      memorySize: props.memorySize,
      reservedConcurrency: props.reservedConcurrency,
      timeout: props.timeout,
      service: 'feeds',
      logLevel: props.logLevel,
      logRetention: props.logRetention,
      logRemovalPolicy: props.logRemovalPolicy,
      environment,
    });
    props.table.grantFeeds(this.function.fn);

    this.functionUrl = this.function.fn.addFunctionUrl({ authType: FunctionUrlAuthType.AWS_IAM });

    this.cachePolicy = new CachePolicy(this, 'CachePolicy', {
      comment: 'feedbucket feeds: path + limit, cursor, format; TTL from the function Cache-Control',
      queryStringBehavior: CacheQueryStringBehavior.allowList(...FEED_QUERY_PARAMETERS),
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
    const forwardHostFunction = forwardHost
      ? new EdgeFunction(this, 'ForwardHost', {
          comment: 'feedbucket: viewer Host -> X-Forwarded-Host',
          code: FunctionCode.fromInline(FORWARD_HOST_CODE),
          runtime: FunctionRuntime.JS_2_0,
        })
      : undefined;

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

    const certificate = props.certificateArn
      ? Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn)
      : undefined;

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `feedbucket: ${props.siteTitle}`.slice(0, 128),
      defaultBehavior: {
        origin: FunctionUrlOrigin.withOriginAccessControl(this.functionUrl, {
          originAccessControl: new FunctionUrlOriginAccessControl(this, 'OriginAccessControl', {
            originAccessControlName: regionalName(this, 'oac', 64),
          }),
          readTimeout: Duration.seconds(Math.min(60, Math.max(5, props.timeout.toSeconds() + 1))),
        }),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
        cachedMethods: CachedMethods.CACHE_GET_HEAD,
        compress: true,
        cachePolicy: this.cachePolicy,
        originRequestPolicy,
        responseHeadersPolicy,
        functionAssociations: forwardHostFunction
          ? [{ function: forwardHostFunction, eventType: FunctionEventType.VIEWER_REQUEST }]
          : undefined,
      },
      httpVersion: HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      priceClass: props.priceClass,
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
