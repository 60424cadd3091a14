/**
 * Runs a k6 script in this process the way k6 would for one iteration: the init context with __ENV, then the
 * default function, with k6/http and k6 stubbed (post is recorded and answers 200). Enough to check that the
 * script parses as JavaScript and what it sends and sets, without k6.
 */
type Json = Record<string, any>;

export function runK6Script(script: string, env: Record<string, string>): { options: Json; posts: { url: string; body: ArrayBuffer; params: Json }[] } {
  const posts: { url: string; body: ArrayBuffer; params: Json }[] = [];
  const http = { post: (url: string, body: ArrayBuffer, params: Json) => (posts.push({ url, body, params }), { status: 200 }) };
  const check = (res: unknown, checks: Record<string, (r: unknown) => boolean>) => Object.values(checks).every((f) => f(res));
  const imports = /^import http from 'k6\/http';\nimport \{ check \} from 'k6';\n/m;
  if (!imports.test(script)) throw new Error('the script does not import k6/http and k6 as expected');
  const body = script
    .replace(imports, '')
    .replace(/^export const options =/m, 'const options =')
    .replace(/^export default function \(\)/m, 'const iteration = function ()');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  const run = new Function('__ENV', 'http', 'check', `${body}\nreturn { options, iteration };`) as (...a: unknown[]) => { options: Json; iteration: () => void };
  const { options, iteration } = run(env, http, check);
  iteration();
  return { options, posts };
}

/** The JSON header of a recorded KServe v2 binary request, as Triton reads it (its length is in a request header). */
export function inferenceHeader(post: { body: ArrayBuffer; params: Json }): string {
  const n = Number(post.params.headers['Inference-Header-Content-Length']);
  return Buffer.from(post.body.slice(0, n)).toString('latin1');
}
