/**
 * certificates.tf of a region's infra root, when platform.yaml names a DNS zone: a public ACM certificate for
 * each IngressGroup host that has no certificate ARN in this region (internet-facing and internal groups
 * alike: HTTPS inside the VPC too), validated through DNS in the zone. The infra root is applied before the
 * Kubernetes objects and `aws_acm_certificate_validation` waits until the certificate is issued; its ARN is the
 * root's output `certificate_arns` (host -> ARN), which `platformc apply` writes into the group's Ingresses as
 * alb.ingress.kubernetes.io/certificate-arn. Not certificate discovery by the host under spec.tls: the load
 * balancer controller (v2.5+) attaches every ISSUED certificate of the account that matches the host, a wildcard
 * of someone else's or the old one of a replacement, and makes the first ARN in sort order the listener's default
 * (pkg/certs/cert_discovery.go Discover; before v2.5 it failed the reconcile: "multiple certificates found for
 * host"). Destroyed with infra, after the Ingresses are gone.
 *
 * ACM's validation record of a domain is the same in every region of an account ("the CNAME validation token
 * works for any AWS Region"), so only the primary region writes it; a standby region's certificate is issued
 * from the same record. Destroy runs the standby first, so the record outlives every certificate that uses it.
 * @see https://docs.aws.amazon.com/acm/latest/userguide/dns-validation.html
 * @see https://kubernetes-sigs.github.io/aws-load-balancer-controller/latest/guide/ingress/cert_discovery/
 */
import { CERTIFICATE_ARNS_OUTPUT } from '../../lib/conventions.js';
import type { FileOutput } from '../../output/files.js';
import type { EnvironmentIR, RegionIR } from '../../resolve/ir.js';
import { expr } from './hcl.js';
import { dataBlock, file, outputBlock, resourceBlock } from './templates.js';

/** Terraform name of a host's resources: vision.prod.ml.example.com -> vision_prod_ml_example_com. */
export const hostId = (host: string) => host.replace(/[^A-Za-z0-9]/g, '_');

export function emitCertificates(env: EnvironmentIR, r: RegionIR): FileOutput[] {
  const hosts = (env.dns?.hosts ?? []).filter((h) => h.managedCertificateRegions.includes(r.region));
  if (!env.dns || hosts.length === 0) return [];
  const primary = r.role === 'primary';
  const blocks: string[] = [];
  if (primary) blocks.push(dataBlock('aws_route53_zone', 'certificates', { name: env.dns.name, private_zone: false }));
  for (const h of hosts) {
    const id = hostId(h.name);
    blocks.push(
      resourceBlock('aws_acm_certificate', id, { domain_name: h.name, validation_method: 'DNS', tags: { Name: h.name, 'platformc.dev/ingress-group': h.group } }, [
        // A replacement (new name) is issued before the old one goes, so the listener never lacks one.
        { type: 'lifecycle', body: { create_before_destroy: true } },
      ]),
    );
    if (primary) {
      blocks.push(
        resourceBlock('aws_route53_record', `${id}_validation`, {
          for_each: expr(`{ for o in aws_acm_certificate.${id}.domain_validation_options : o.domain_name => o }`),
          zone_id: expr('data.aws_route53_zone.certificates.zone_id'),
          name: expr('each.value.resource_record_name'),
          type: expr('each.value.resource_record_type'),
          records: [expr('each.value.resource_record_value')],
          ttl: 300,
          // The same record validates this host's certificate in every region (and a reissue): taking it over is safe.
          allow_overwrite: true,
        }),
        resourceBlock('aws_acm_certificate_validation', id, {
          certificate_arn: expr(`aws_acm_certificate.${id}.arn`),
          validation_record_fqdns: expr(`[for record in aws_route53_record.${id}_validation : record.fqdn]`),
        }),
      );
    } else {
      // Issued from the primary region's validation record (applied first): wait for it all the same.
      blocks.push(resourceBlock('aws_acm_certificate_validation', id, { certificate_arn: expr(`aws_acm_certificate.${id}.arn`) }));
    }
  }
  blocks.push(
    outputBlock(CERTIFICATE_ARNS_OUTPUT, {
      description: 'ACM certificate of each IngressGroup host, issued (the ARN of its validation, so only after it is): platformc apply sets it on the Ingresses',
      value: Object.fromEntries(hosts.map((h) => [h.name, expr(`aws_acm_certificate_validation.${hostId(h.name)}.certificate_arn`)])),
    }),
  );
  return [{ path: `terraform/${env.name}/${r.region}/infra/certificates.tf`, content: file(...blocks) }];
}
