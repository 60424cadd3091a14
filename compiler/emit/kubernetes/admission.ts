/**
 * Who may put what on a load balancer, enforced in the cluster (kustomize/overlays/<env>/<region>/admission).
 *
 * Teams get AmazonEKSEditPolicy on their namespace, so they can write Ingresses and Services there. An
 * `alb.ingress.kubernetes.io/group.name` annotation is only a request: any namespace that names another team's
 * group joins that team's ALB and can take over its paths (group.order), and an Ingress with another scheme or a
 * `Service type: LoadBalancer` is a load balancer without the TLS, authentication and inbound CIDRs platform.yaml
 * asks for. The LBC docs allow IngressGroups only when everyone with Ingress RBAC is inside the trust boundary.
 *
 * - One IngressClass per team and scheme, with IngressClassParams that fix the group and the scheme and select the
 *   team's namespace only: the controller puts every Ingress of the class in that group (the params win over
 *   annotations) and its webhook refuses the class from any other namespace.
 * - ValidatingAdmissionPolicies on the team namespaces (built into the API server, GA since 1.30): an Ingress must
 *   use its team's class and carry exactly the `alb.ingress.kubernetes.io/*` annotations platformc compiles for one
 *   of that team's models of the class (no legacy `kubernetes.io/ingress.class`, which would bypass the class); no
 *   LoadBalancer or NodePort Service; no TargetGroupBinding (it attaches pods to any target group by ARN). The load
 *   balancer controller itself is exempt: it writes finalizers on Ingresses and TargetGroupBindings for them.
 *
 * `platformc apply` applies these after the platform root (which installs the controller and its IngressClassParams
 * CRD) and before the Ingresses, whose class must exist when the controller's webhook admits them (and whose policy
 * must already know them); `platformc destroy` deletes them only after the Ingresses and their ALBs are gone, since
 * the controller needs an Ingress's class to delete its load balancer.
 * @see https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/ingress_class/
 * @see https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/annotations/#ingressgroup
 * @see https://kubernetes.io/docs/reference/access-authn-authz/validating-admission-policy/
 */
import type { V1IngressClass, V1ValidatingAdmissionPolicy, V1ValidatingAdmissionPolicyBinding } from '@kubernetes/client-node';
import type { FileOutput } from '../../output/files.js';
import { toYaml, toYamlDocuments } from '../../output/serialize.js';
import type { DeploymentIR, EnvironmentIR, PlatformIR, RegionIR } from '../../resolve/ir.js';
import { ALB_ANNOTATION_PREFIX, CERTIFICATE_ANNOTATION, CONTROLLERS } from '../../lib/conventions.js';
import { compareCodeUnits } from '../../lib/order.js';
import { k8sObject, type K8sObject } from '../shared/k8s.js';
import { ingressAnnotations } from './objects.js';
import { getOrInsert } from '../../lib/collections.js';

/** The controller name of the AWS Load Balancer Controller's IngressClasses. */
const ALB_CONTROLLER = 'ingress.k8s.aws/alb';
/** The namespace label the API server sets to the namespace's own name (immutable: a team cannot relabel into another selector). */
const NAME_LABEL = 'kubernetes.io/metadata.name';
export const POLICY_NAMES = { ingresses: 'platformc-team-ingresses', loadBalancers: 'platformc-team-load-balancers' } as const;

/** The IngressClass and IngressClassParams of every team and scheme that serves in this region. */
export function ingressClasses(r: RegionIR): K8sObject[] {
  const classes = new Map<string, DeploymentIR>();
  for (const d of r.deployments) if (!classes.has(d.ingressClass)) classes.set(d.ingressClass, d);
  return [...classes.values()].sort((a, b) => compareCodeUnits(a.ingressClass, b.ingressClass)).flatMap((d) => {
    const ingressClass: V1IngressClass = {
      metadata: { name: d.ingressClass },
      spec: { controller: ALB_CONTROLLER, parameters: { apiGroup: 'elbv2.k8s.aws', kind: 'IngressClassParams', name: d.ingressClass } },
    };
    return [
      k8sObject('elbv2.k8s.aws/v1beta1', 'IngressClassParams', {
        metadata: { name: d.ingressClass },
        spec: { namespaceSelector: { matchLabels: { [NAME_LABEL]: d.namespace } }, group: { name: d.ingressGroup }, scheme: d.ingressScheme },
      }),
      k8sObject('networking.k8s.io/v1', 'IngressClass', ingressClass),
    ];
  });
}

/** CEL string literal (single-quoted; backslashes and quotes escaped, as CEL reads them). */
const celString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
const celMap = (entries: readonly (readonly [string, string])[]) => `{${entries.map(([k, v]) => `${celString(k)}: ${v}`).join(', ')}}`;

/**
 * What the compiler writes, as a CEL literal: namespace -> class -> the alb.ingress.kubernetes.io annotation sets
 * of that team's models of that class in this region (each set exactly as on the model's Ingress).
 */
export function compiledIngresses(r: RegionIR): string {
  const byNamespace = new Map<string, Map<string, Set<string>>>();
  for (const d of r.deployments) {
    const sets = getOrInsert(getOrInsert(byNamespace, d.namespace, () => new Map<string, Set<string>>()), d.ingressClass, () => new Set<string>());
    // The certificate ARNs are not compared with the compiled set: `platformc apply` adds the ARN of the certificate
    // the platform issued for the host (a Terraform output, unknown at compile time; compiler/ops/certificates.ts)
    // before the ARNs platform.yaml names. The policy only requires ACM certificates of the ALB's region (below): a
    // certificate is public, and the listener it is attached to is the team's own (its class fixes the group).
    const annotations = Object.entries(ingressAnnotations(d)).filter(([k]) => k.startsWith(ALB_ANNOTATION_PREFIX) && k !== CERTIFICATE_ANNOTATION).sort(([a], [b]) => compareCodeUnits(a, b));
    sets.add(celMap(annotations.map(([k, v]) => [k, celString(v)] as const)));
  }
  const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => compareCodeUnits(a, b));
  return celMap(sorted(byNamespace).map(([ns, classes]) => [ns, celMap(sorted(classes).map(([c, sets]) => [c, `[${[...sets].sort(compareCodeUnits).join(', ')}]`] as const))] as const));
}

/** The policies and their bindings on the team namespaces (none without teams: an `In` selector needs values). */
export function admissionPolicies(ir: PlatformIR, r: RegionIR): K8sObject[] {
  const teams = ir.teams.map((t) => t.namespace).sort();
  if (teams.length === 0) return [];
  // The controller writes finalizers on Ingresses, and creates and updates the TargetGroupBindings of their target groups.
  const notTheController = { name: 'not-the-load-balancer-controller', expression: `request.userInfo.username != ${celString(`system:serviceaccount:${CONTROLLERS.albController.namespace}:${CONTROLLERS.albController.serviceAccount}`)}` };
  const createOrUpdate = ['CREATE', 'UPDATE'];
  const ingresses: V1ValidatingAdmissionPolicy = {
    metadata: { name: POLICY_NAMES.ingresses },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: [{ apiGroups: ['networking.k8s.io'], apiVersions: ['v1'], operations: createOrUpdate, resources: ['ingresses'] }] },
      matchConditions: [notTheController],
      variables: [
        { name: 'compiled', expression: compiledIngresses(r) },
        { name: 'classes', expression: 'request.namespace in variables.compiled ? variables.compiled[request.namespace] : {}' },
        { name: 'annotations', expression: 'has(object.metadata.annotations) ? object.metadata.annotations : {}' },
        { name: 'alb', expression: `variables.annotations.filter(k, k.startsWith(${celString(ALB_ANNOTATION_PREFIX)}) && k != ${celString(CERTIFICATE_ANNOTATION)})` },
      ],
      validations: [
        {
          expression: 'has(object.spec.ingressClassName) && object.spec.ingressClassName in variables.classes',
          messageExpression: `'an Ingress in ' + request.namespace + ' must set spec.ingressClassName to its team\\'s class: ' + (size(variables.classes) == 0 ? 'none serves in this region' : variables.classes.map(c, c).join(', '))`,
          reason: 'Forbidden',
        },
        {
          expression: "!('kubernetes.io/ingress.class' in variables.annotations)",
          message: 'the kubernetes.io/ingress.class annotation bypasses the team\'s IngressClass: use spec.ingressClassName',
          reason: 'Forbidden',
        },
        {
          expression: `!(${celString(CERTIFICATE_ANNOTATION)} in variables.annotations) || variables.annotations[${celString(CERTIFICATE_ANNOTATION)}].split(',').all(a, a.matches(${celString(`^arn:aws:acm:${r.region}:[0-9]{12}:certificate/[0-9a-f-]+$`)}))`,
          message: `${CERTIFICATE_ANNOTATION} lists ACM certificate ARNs of ${r.region} only, comma-separated`,
          reason: 'Forbidden',
        },
        {
          expression: '!has(object.spec.ingressClassName) || !(object.spec.ingressClassName in variables.classes) || variables.classes[object.spec.ingressClassName].exists(p, variables.alb.all(k, k in p && p[k] == variables.annotations[k]) && p.all(k, k in variables.annotations && variables.annotations[k] == p[k]))',
          message: 'the alb.ingress.kubernetes.io annotations (group, scheme, listeners, TLS, authentication, inbound CIDRs) must be exactly those platformc compiles for a model of this team and class: change them in platform.yaml',
          reason: 'Forbidden',
        },
      ],
    },
  };
  const loadBalancers: V1ValidatingAdmissionPolicy = {
    metadata: { name: POLICY_NAMES.loadBalancers },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          { apiGroups: [''], apiVersions: ['v1'], operations: createOrUpdate, resources: ['services'] },
          { apiGroups: ['elbv2.k8s.aws'], apiVersions: ['*'], operations: createOrUpdate, resources: ['targetgroupbindings'] },
        ],
      },
      matchConditions: [notTheController],
      validations: [
        {
          expression: "request.kind.kind != 'Service' || !has(object.spec.type) || !(object.spec.type in ['LoadBalancer', 'NodePort'])",
          message: 'Services in team namespaces are ClusterIP: models are reached through their team\'s Ingress, with the TLS, authentication and inbound CIDRs of platform.yaml',
          reason: 'Forbidden',
        },
        {
          expression: "request.kind.kind != 'TargetGroupBinding'",
          message: 'TargetGroupBindings in team namespaces would attach pods to any target group by ARN: the load balancer controller makes those of the team\'s Ingresses',
          reason: 'Forbidden',
        },
      ],
    },
  };
  const binding = (policyName: string): K8sObject => {
    const b: V1ValidatingAdmissionPolicyBinding = {
      metadata: { name: policyName },
      spec: { policyName, validationActions: ['Deny'], matchResources: { namespaceSelector: { matchExpressions: [{ key: NAME_LABEL, operator: 'In', values: teams }] } } },
    };
    return k8sObject('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicyBinding', b);
  };
  return [
    k8sObject('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy', ingresses),
    binding(POLICY_NAMES.ingresses),
    k8sObject('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy', loadBalancers),
    binding(POLICY_NAMES.loadBalancers),
  ];
}

/** kustomize/overlays/<env>/<region>/admission: the classes and the policies, applied before the region's other kustomizations. */
export function admissionOverlay(ir: PlatformIR, env: EnvironmentIR, r: RegionIR): FileOutput[] {
  const dir = `kustomize/overlays/${env.name}/${r.region}/admission`;
  const classes = ingressClasses(r);
  const files: FileOutput[] = [
    ...(classes.length ? [{ path: `${dir}/ingress-classes.yaml`, content: toYamlDocuments(classes) }] : []),
    { path: `${dir}/policies.yaml`, content: toYamlDocuments(admissionPolicies(ir, r)) },
  ];
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: files.map((f) => f.path.slice(dir.length + 1)),
    labels: [{ pairs: { 'app.kubernetes.io/part-of': ir.name, 'app.kubernetes.io/managed-by': 'platformc', 'platformc.dev/environment': env.name, 'platformc.dev/region': r.region }, includeSelectors: false, includeTemplates: false }],
  };
  return [...files, { path: `${dir}/kustomization.yaml`, content: toYaml(kustomization) }];
}
