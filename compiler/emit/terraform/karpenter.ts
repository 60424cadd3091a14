/**
 * Karpenter's AWS side, in the infra root (karpenter.tf): the EKS module's `karpenter` submodule makes the
 * controller's IAM role and policy, the role of the nodes it launches (with their EKS access entry), and the
 * interruption queue with the EventBridge rules that feed it (spot interruption warnings, rebalance
 * recommendations, instance state changes, AWS Health events). The controller itself is a Helm release of the
 * platform root; its NodePools and EC2NodeClasses are Kubernetes objects (kustomize/overlays/<env>/<region>/karpenter).
 * @see https://registry.terraform.io/modules/terraform-aws-modules/eks/aws/21.19.0/submodules/karpenter
 * @see https://karpenter.sh/docs/getting-started/getting-started-with-karpenter/
 */
import type { EnvironmentIR, PlatformIR, RegionIR } from '../../resolve/ir.js';
import { CONTROLLERS } from '../../lib/conventions.js';
import { expr } from './hcl.js';
import { file, moduleBlock, outputBlock } from './templates.js';

/**
 * The controller's trust: IRSA, like every other controller of the platform (one identity mechanism, no Pod
 * Identity agent add-on to run and pin). The submodule's role always trusts pods.eks.amazonaws.com too; no Pod
 * Identity association is made for it (create_pod_identity_association = false), so that path stays unused.
 */
function irsaTrust(): string {
  const sa = `system:serviceaccount:${CONTROLLERS.karpenter.namespace}:${CONTROLLERS.karpenter.serviceAccount}`;
  const condition = `{ for k, v in { sub = "${sa}", aud = "sts.amazonaws.com" } : "\${module.eks.oidc_provider}:\${k}" => v }`;
  return `jsonencode({ Version = "2012-10-17", Statement = [{ Sid = "Irsa", Effect = "Allow", Action = "sts:AssumeRoleWithWebIdentity", Principal = { Federated = module.eks.oidc_provider_arn }, Condition = { StringEquals = ${condition} } }] })`;
}

export function karpenterTf(ir: PlatformIR, env: EnvironmentIR, r: RegionIR, tags: Record<string, string>): string {
  const boundary = env.identity.boundary.arn;
  return file(
    moduleBlock('karpenter', ir.versions.terraform.modules.karpenter!, {
      cluster_name: expr('module.eks.cluster_name'),
      // Named under the environment's IAM prefix (the CI apply role manages only those), with the boundary it requires.
      iam_role_name: r.names.roles.karpenter,
      iam_role_use_name_prefix: false,
      iam_role_permissions_boundary_arn: boundary,
      iam_policy_name: r.names.iam.karpenterPolicy,
      iam_policy_use_name_prefix: false,
      iam_role_source_assume_policy_documents: [expr(irsaTrust())],
      // EC2 Spot needs its service-linked role, which an account that never used Spot lacks: CreateFleet makes it
      // when its caller may (otherwise every spot launch fails with ServiceLinkedRoleCreationNotPermitted,
      // aws/karpenter-provider-aws TROUBLESHOOTING.md "Missing Service Linked Role"); the submodule's policy does not grant it.
      iam_policy_statements: [
        {
          sid: 'SpotServiceLinkedRole',
          actions: ['iam:CreateServiceLinkedRole'],
          resources: [`arn:aws:iam::${env.account}:role/aws-service-role/spot.amazonaws.com/AWSServiceRoleForEC2Spot`],
          condition: [{ test: 'StringEquals', variable: 'iam:AWSServiceName', values: ['spot.amazonaws.com'] }],
        },
      ],
      create_pod_identity_association: false,
      node_iam_role_name: r.names.iam.karpenterNodeRole,
      node_iam_role_use_name_prefix: false,
      node_iam_role_permissions_boundary: boundary,
      // Karpenter makes the instance profile of each EC2NodeClass itself (and deletes it with the class).
      create_instance_profile: false,
      // The queue Karpenter reads interruptions from, and the EventBridge rules feeding it (SQS-managed encryption, TLS only).
      enable_spot_termination: true,
      queue_name: r.names.interruption.karpenterQueue,
      queue_managed_sse_enabled: true,
      rule_name_prefix: r.names.interruption.rulePrefix,
      tags,
    }),
    outputBlock('karpenter', {
      description: "Karpenter: the controller's IRSA role, the interruption queue and the role of the nodes it launches.",
      value: { role_arn: expr('module.karpenter.iam_role_arn'), queue_name: expr('module.karpenter.queue_name'), node_role_name: expr('module.karpenter.node_iam_role_name') },
    }),
  );
}
