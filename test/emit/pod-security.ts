/**
 * The Pod Security Standards `restricted` profile, as rules over a pod spec: what the admission controller
 * enforces in namespaces labelled pod-security.kubernetes.io/enforce=restricted.
 * @see https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */
type Json = Record<string, any>;

const ALLOWED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

export function restrictedViolations(pod: Json): string[] {
  const v: string[] = [];
  const containers: Json[] = [...(pod.containers ?? []), ...(pod.initContainers ?? []), ...(pod.ephemeralContainers ?? [])];
  const psc = pod.securityContext ?? {};
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) v.push('host namespaces');
  for (const vol of pod.volumes ?? []) {
    const type = Object.keys(vol).find((k) => k !== 'name');
    if (!type || !ALLOWED_VOLUMES.includes(type)) v.push(`volume type ${type}`);
  }
  for (const c of containers) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) v.push(`${c.name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) v.push(`${c.name}: allowPrivilegeEscalation must be false`);
    const drop: string[] = sc.capabilities?.drop ?? [];
    if (!drop.includes('ALL')) v.push(`${c.name}: capabilities must drop ALL`);
    const add: string[] = sc.capabilities?.add ?? [];
    if (add.some((a) => a !== 'NET_BIND_SERVICE')) v.push(`${c.name}: may add only NET_BIND_SERVICE`);
    if (!(sc.runAsNonRoot ?? psc.runAsNonRoot)) v.push(`${c.name}: runAsNonRoot must be true`);
    if ((sc.runAsUser ?? psc.runAsUser) === 0) v.push(`${c.name}: runAsUser must not be 0`);
    const seccomp = sc.seccompProfile?.type ?? psc.seccompProfile?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') v.push(`${c.name}: seccompProfile must be RuntimeDefault or Localhost`);
    for (const p of c.ports ?? []) if (p.hostPort) v.push(`${c.name}: hostPort`);
  }
  return v;
}
