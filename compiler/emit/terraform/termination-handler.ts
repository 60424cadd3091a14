/**
 * Spot managed node groups (cluster-autoscaler, or a spot general pool beside Karpenter): the AWS Node Termination
 * Handler in queue mode (termination-handler.tf of the infra root). EventBridge sends spot interruption warnings
 * (two minutes before EC2 reclaims the instance), scheduled maintenance (AWS Health) and instance state changes to
 * an SQS queue; NTH cordons and drains the node, so the PodDisruptionBudgets and the pods' preStop hooks run and the
 * ALB deregisters them, instead of the pods dying with the instance. Rebalance recommendations are left to EKS:
 * managed node groups with spot enable Capacity Rebalancing and replace such a node before draining it.
 * @see https://github.com/aws/aws-node-termination-handler#queue-processor
 * @see https://docs.aws.amazon.com/eks/latest/userguide/managed-node-groups.html (Spot: capacity rebalancing)
 */
import type { EnvironmentIR, PlatformIR, RegionIR } from '../../resolve/ir.js';
import { CONTROLLERS } from '../../lib/conventions.js';
import { expr, renderValue, type HclValue } from './hcl.js';
import { jsonencode, policyDocument } from './policies.js';
import { file, outputBlock, resourceBlock } from './templates.js';

/** The events NTH acts on, as EventBridge patterns. */
const EVENTS: Readonly<Record<string, { description: string; pattern: Record<string, string[]> }>> = {
  spot_interruption: { description: 'EC2 spot instance interruption warning', pattern: { source: ['aws.ec2'], 'detail-type': ['EC2 Spot Instance Interruption Warning'] } },
  scheduled_change: { description: 'AWS Health scheduled change of an EC2 instance', pattern: { source: ['aws.health'], 'detail-type': ['AWS Health Event'] } },
  state_change: { description: 'EC2 instance state-change notification', pattern: { source: ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'] } },
};

export function terminationHandlerTf(ir: PlatformIR, env: EnvironmentIR, r: RegionIR, irsa: (name: string, roleName: string, serviceAccounts: readonly string[], inputs: Record<string, HclValue | undefined>) => string): string {
  const queue = r.names.interruption.nthQueue;
  const queueArn = `arn:aws:sqs:${r.region}:${env.account}:${queue}`;
  const rules = Object.keys(EVENTS).map((k) => `arn:aws:events:${r.region}:${env.account}:rule/${r.names.interruption.rulePrefix}nth-${k.replace(/_/g, '-')}`);
  return file(
    // Messages older than five minutes describe instances that are gone; SQS-managed encryption.
    resourceBlock('aws_sqs_queue', 'node_termination', { name: queue, message_retention_seconds: 300, sqs_managed_sse_enabled: true }),
    resourceBlock('aws_sqs_queue_policy', 'node_termination', {
      queue_url: expr('aws_sqs_queue.node_termination.url'),
      policy: jsonencode(policyDocument([
        // Only this environment's rules may send (confused deputy), and only over TLS.
        { Sid: 'EventBridge', Effect: 'Allow', Principal: { Service: ['events.amazonaws.com', 'sqs.amazonaws.com'] }, Action: ['sqs:SendMessage'], Resource: [queueArn], Condition: { ArnEquals: { 'aws:SourceArn': rules } } },
        { Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: ['sqs:*'], Resource: [queueArn], Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      ])),
    }),
    ...Object.entries(EVENTS).flatMap(([key, e]) => [
      resourceBlock('aws_cloudwatch_event_rule', `nth_${key}`, { name: `${r.names.interruption.rulePrefix}nth-${key.replace(/_/g, '-')}`, description: `Node termination handler: ${e.description}`, event_pattern: expr(`jsonencode(${renderValue(e.pattern, 1)})`) }),
      resourceBlock('aws_cloudwatch_event_target', `nth_${key}`, { rule: expr(`aws_cloudwatch_event_rule.nth_${key}.name`), target_id: 'NodeTerminationHandlerQueue', arn: expr('aws_sqs_queue.node_termination.arn') }),
    ]),
    irsa('irsa_node_termination_handler', r.names.roles.nodeTerminationHandler, [`${CONTROLLERS.nodeTerminationHandler.namespace}:${CONTROLLERS.nodeTerminationHandler.serviceAccount}`], {
      permissions: {
        Queue: { actions: ['sqs:DeleteMessage', 'sqs:ReceiveMessage'], resources: [expr('aws_sqs_queue.node_termination.arn')] },
        // Which node an event is about (instance id to node name): these Describe calls take no resource ARN.
        Describe: { actions: ['autoscaling:DescribeAutoScalingInstances', 'autoscaling:DescribeTags', 'ec2:DescribeInstances'], resources: ['*'] },
      },
    }),
    outputBlock('node_termination_handler', {
      description: 'AWS Node Termination Handler: its IRSA role and the queue it reads.',
      value: { role_arn: expr('module.irsa_node_termination_handler.arn'), queue_url: expr('aws_sqs_queue.node_termination.url') },
    }),
  );
}
