/** One JSON POST. */
export interface PostRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeoutMs: number;
  /** Aborts the request (shutdown). */
  readonly signal?: AbortSignal;
}

/** The part of a response delivery looks at. */
export interface PostResponse {
  readonly status: number;
  readonly retryAfter: string | null;
  /** The first bytes of the body, for the error message. */
  readonly bodyHead: string;
}

/** Sends a POST; rejects on network errors and timeouts. Senders receive this, so tests can swap it. */
export type HttpPost = (req: PostRequest) => Promise<PostResponse>;

const BODY_HEAD_BYTES = 512;

/**
 * POSTs with Node's fetch. Redirects are not followed (a 3xx is a refusal): a receiver URL and its
 * headers may hold secrets that must not be carried to another address.
 */
export const fetchPost: HttpPost = async (req) => {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const res = await fetch(req.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'perf-engine', ...req.headers },
    body: req.body,
    redirect: 'manual',
    signal: req.signal ? AbortSignal.any([req.signal, timeout]) : timeout,
  });
  const text = await res.text().catch(() => '');
  return { status: res.status, retryAfter: res.headers.get('retry-after'), bodyHead: text.slice(0, BODY_HEAD_BYTES) };
};
