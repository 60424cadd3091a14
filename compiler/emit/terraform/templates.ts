/**
 * Handlebars templates of the generated Terraform files. Templates give each file its shape; every value
 * goes through the `attrs`/`hcl` helpers, which escape it and align it as terraform fmt does. Plain
 * `{{x}}` is never used for data (strict mode and noEscape: the helpers do the escaping).
 */
import Handlebars from 'handlebars';
import { trimNewlines } from '../../output/files.js';
import { attributes, quote, renderValue, type HclValue } from './hcl.js';

const hb = Handlebars.create();
hb.registerHelper('attrs', (record: Record<string, HclValue>, level: number) => attributes(record, typeof level === 'number' ? level : 1));
hb.registerHelper('hcl', (value: HclValue, level: number) => renderValue(value, typeof level === 'number' ? level : 0));
hb.registerHelper('q', (value: string) => quote(value));
hb.registerHelper('body', (body: Record<string, HclValue>, blocks: readonly Block[], level: number) => renderBody(body, blocks ?? [], level));

/** A block body: aligned attributes, then nested blocks (`rule { ... }`), separated by blank lines. */
function renderBody(body: Readonly<Record<string, HclValue | undefined>>, blocks: readonly Block[], level: number): string {
  const pad = '  '.repeat(level);
  const nested = blocks.map((b) => {
    const inner = renderBody(b.body, b.blocks ?? [], level + 1);
    return inner ? `${pad}${b.type} {\n${inner}\n${pad}}` : `${pad}${b.type} {}`;
  });
  return [attributes(body, level), ...nested].filter(Boolean).join('\n\n');
}

/** The templates by name (exported for the build, which precompiles them: compiler/build.mjs). */
export const sources: Record<string, string> = {
  versions: `terraform {
{{{attrs terraform 1}}}

  required_providers {
{{{attrs providers 2}}}
  }

  backend "s3" {
{{{attrs backend 2}}}
  }
}
`,
  providers: `{{#each providers}}
provider "aws" {
{{{attrs this.settings 1}}}

  default_tags {
{{{attrs this.defaultTags 2}}}
  }
}
{{#unless @last}}

{{/unless}}
{{/each}}
`,
  module: `module {{{q name}}} {
{{{attrs source 1}}}

{{{attrs inputs 1}}}
}
`,
  resource: `resource {{{q type}}} {{{q name}}} {
{{{body body blocks 1}}}
}
`,
  data: `data {{{q type}}} {{{q name}}} {
{{{body body blocks 1}}}
}
`,
  output: `output {{{q name}}} {
{{{attrs body 1}}}
}
`,
  locals: `locals {
{{{attrs body 1}}}
}
`,
  provider: `provider {{{q name}}} {
{{{body body blocks 1}}}
}
`,
};

/** How every template is compiled (exported for the build, which precompiles them with the same options). */
export const COMPILE_OPTIONS = { noEscape: true, strict: true } as const;

const compiled = new Map<string, Handlebars.TemplateDelegate>();

/** Renders one named template (compiled once, on first use). */
export function render(template: keyof typeof sources | string, context: object): string {
  let fn = compiled.get(template);
  if (!fn) {
    const source = sources[template];
    if (source === undefined) throw new Error(`no Terraform template '${template}'`);
    fn = hb.compile(source, COMPILE_OPTIONS);
    compiled.set(template, fn);
  }
  return fn(context);
}

export interface Block {
  readonly type: string;
  readonly body: Readonly<Record<string, HclValue | undefined>>;
  readonly blocks?: readonly Block[];
}

export const moduleBlock = (name: string, source: { source: string; version: string }, inputs: Record<string, HclValue | undefined>) => render('module', { name, source, inputs });
export const resourceBlock = (type: string, name: string, body: Record<string, HclValue | undefined>, blocks: readonly Block[] = []) => render('resource', { type, name, body, blocks });
export const dataBlock = (type: string, name: string, body: Record<string, HclValue | undefined>, blocks: readonly Block[] = []) =>
  Object.values(body).some((v) => v !== undefined) || blocks.length ? render('data', { type, name, body, blocks }) : `data ${quote(type)} ${quote(name)} {}\n`;
export const outputBlock = (name: string, body: Record<string, HclValue | undefined>) => render('output', { name, body });
export const localsBlock = (body: Record<string, HclValue | undefined>) => render('locals', { body });
export const providerBlock = (name: string, body: Record<string, HclValue | undefined>, blocks: readonly Block[] = []) => render('provider', { name, body, blocks });

/** Blocks of one file, separated by one blank line. */
export const file = (...blocks: readonly string[]) => blocks.filter(Boolean).map(trimNewlines).join('\n\n');
