/** Identity choices of platform.yaml that validation and resolve both read. */
import type { PlatformSpec } from '../../schema/platform.js';

/** Whether GitHub Actions applies this environment: every environment when the list is empty. */
export function ciApplies(spec: PlatformSpec, env: string): boolean {
  const github = spec.identity.ci?.github;
  return Boolean(github) && (github!.environments.length === 0 || github!.environments.includes(env));
}

/** Whether this environment's bootstrap creates the account's GitHub OIDC provider. */
export function createsOidcProvider(spec: PlatformSpec, env: string): boolean {
  const choice = spec.identity.ci?.github.oidcProvider ?? 'create';
  return (typeof choice === 'string' ? choice : choice[env] ?? 'existing') === 'create';
}
