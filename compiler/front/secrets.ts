/** Finds secret values written into YAML: secret-like keys with literal values, and well-known credential shapes anywhere. */
import { isMap, isPair, isScalar, isSeq, type Node } from 'yaml';
import type { Path } from './source.js';

/** Keys whose values would be secrets. Fields that hold a secret's *name* end in `Secret` and take a Secrets Manager name. */
const SECRET_KEY = /(pass(word|wd|phrase)?|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credential|client[-_]?secret|auth)$/i;
const REFERENCE_KEY = /Secret$/;
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

const CREDENTIAL_PATTERNS: readonly [RegExp, string][] = [
  [/\b(AKIA|ASIA)[A-Z0-9]{16}\b/, 'an AWS access key id'],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/\bgh[pousr]_[A-Za-z0-9]{36,}\b/, 'a GitHub token'],
  [/\bxox[abpr]-[A-Za-z0-9-]{10,}\b/, 'a Slack token'],
  [/hooks\.slack\.com\/services\/[A-Za-z0-9/]+/, 'a Slack webhook URL'],
  [/\bsk_live_[A-Za-z0-9]{16,}\b/, 'a live API secret key'],
  [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/, 'a JSON Web Token'],
];

/**
 * An AWS secret access key: 40 characters of base64 on their own (D19: one under a neutral key such as
 * tags.note passed). Random keys mix upper case, lower case and digits and repeat few characters; requiring
 * that keeps hex digests, paths and words out.
 */
const AWS_SECRET_KEY = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
function looksLikeAwsSecretKey(text: string): boolean {
  for (const [candidate] of text.matchAll(AWS_SECRET_KEY)) {
    if (/[A-Z]/.test(candidate) && /[a-z]/.test(candidate) && /\d/.test(candidate) && new Set(candidate).size >= 24 && !candidate.includes('//')) return true;
  }
  return false;
}

export interface SecretFinding { readonly path: Path; readonly what: string }

/** Walks the YAML tree; returns where secret values are. */
export function findSecrets(root: Node | null | undefined): SecretFinding[] {
  const found: SecretFinding[] = [];
  const walk = (node: unknown, path: Path, key?: string) => {
    if (isMap(node)) {
      for (const item of node.items) {
        if (isPair(item) && isScalar(item.key)) walk(item.value, [...path, String(item.key.value)], String(item.key.value));
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, i], key));
    } else if (isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number')) {
      const text = String(node.value);
      const pattern = CREDENTIAL_PATTERNS.find(([re]) => re.test(text));
      if (pattern) found.push({ path, what: pattern[1] });
      else if (looksLikeAwsSecretKey(text)) found.push({ path, what: 'an AWS secret access key' });
      else if (key && SECRET_KEY.test(key) && text !== '' && !(REFERENCE_KEY.test(key) && SECRET_NAME.test(text))) {
        found.push({ path, what: `a literal value for '${key}'` });
      }
    }
  };
  walk(root, []);
  return found;
}
