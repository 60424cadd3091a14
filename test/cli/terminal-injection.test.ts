/**
 * D9: values from platform.yaml cannot emit GitHub workflow commands or terminal control sequences through
 * diagnostics. The runner executes every stdout line that starts with '::' unless commands are stopped.
 */
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { escapeTerminal, renderText } from '../../compiler/diagnostics/render.js';
import { realTasks, runSteps } from '../../compiler/ops/run.js';
import { cli, repoRoot } from '../helpers/cli.js';

const reference = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8');
function file(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'platformc-inject-'));
  cpSync(join(repoRoot, 'models'), join(dir, 'models'), { recursive: true });
  writeFileSync(join(dir, 'platform.yaml'), text);
  return join(dir, 'platform.yaml');
}
const INJECTION = 'single\\n::error file=.github/workflows/ci.yml,line=1::CI compromised\\n::set-output name=deploy::true\\n::add-mask::inference';

/** The lines the Actions runner would treat as commands: outside a stop-commands region, starting with '::'. */
function activeCommands(stdout: string): string[] {
  const active: string[] = [];
  let stopped: string | undefined;
  for (const line of stdout.split('\n')) {
    if (stopped) {
      if (line === `::${stopped}::`) stopped = undefined;
      continue;
    }
    const stop = /^::stop-commands::(.+)$/.exec(line);
    if (stop) stopped = stop[1];
    else if (line.startsWith('::')) active.push(line);
  }
  return active;
}

describe('diagnostics under GitHub Actions', () => {
  it('a value with newlines and workflow commands stays data', () => {
    const path = file(reference.replace('natGateways: single', `natGateways: "${INJECTION}"`));
    const r = cli(['validate', path], { env: { GITHUB_ACTIONS: 'true' } });
    expect(r.code).toBe(1);
    const active = activeCommands(r.stdout);
    // Only the annotation platformc means to emit runs, with its data escaped on one line.
    expect(active).toHaveLength(1);
    expect(active[0]).toMatch(/^::error file=.*,title=invalid-value::.*single%0A::error file=/);
    // The text diagnostics are inside the stopped region, with the newlines shown as \n.
    expect(r.stdout).toMatch(/^::stop-commands::[0-9a-f-]{36}$/m);
    expect(r.stdout).toContain(String.raw`'single\n::error file=.github/workflows/ci.yml,line=1::CI compromised\n::set-output`);
  });
  it('the old output (text with raw newlines, no stop-commands) would have run them', () => {
    expect(activeCommands('x: error: single\n::set-output name=deploy::true\n')).toEqual(['::set-output name=deploy::true']);
  });
});

describe('diagnostics on a terminal', () => {
  it('escape sequences, control characters and bidi marks from the input are shown escaped', () => {
    const key = '"\\e]0;owned\\a\\e[2J\\u202eevil"';
    const r = cli(['validate', file(reference.replace('metadata:\n', `metadata:\n  ${key}: 1\n`))]);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u202e]/);
    expect(r.stdout).toContain(String.raw`unknown key '\x1b]0;owned\x07\x1b[2J\u{202e}evil'`);
  });
  it('renderText keeps one diagnostic on one line plus its hint', () => {
    const text = renderText({ code: 'invalid-value', severity: 'error', message: 'a\nb\r\u2028c\u0085', file: 'p\n.yaml', line: 1, col: 1, endLine: 1, endCol: 1, hint: 'h\u001b[31m' }, { color: false });
    expect(text.split('\n')).toHaveLength(2);
    expect(escapeTerminal('tab\there\u200f')).toBe(String.raw`tab\there\u{200f}`);
  });
});

describe('tool output quoted by apply and destroy', () => {
  it('a failing AWS CLI cannot drive the terminal through the FAILED line', async () => {
    // What a compromised or confused endpoint could put in an error message, quoted in the step's problem.
    const dir = mkdtempSync(join(tmpdir(), 'platformc-inject-tool-'));
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'bin', 'aws'), "#!/bin/sh\nprintf 'An error occurred \\033]0;owned\\007\\033[2J\\342\\200\\256done\\n' >&2\nexit 254\n");
    chmodSync(join(dir, 'bin', 'aws'), 0o755);
    let printed = '';
    const out = { write: (s: string) => ((printed += s), true), isTTY: false } as unknown as NodeJS.WriteStream;
    const path = process.env.PATH;
    process.env.PATH = `${join(dir, 'bin')}:${path}`;
    try {
      const r = await runSteps([{ kind: 'task', id: 'leftovers', title: 'leftovers', describe: '', task: { type: 'leftovers', region: 'us-east-1', cluster: 'c' } }], {
        stateDir: join(dir, 'state'), runKey: 'k', fingerprint: 'f', tasks: realTasks(() => undefined), out,
      });
      expect(r.ok).toBe(false);
    } finally {
      process.env.PATH = path;
    }
    expect(printed).toContain(String.raw`failed: An error occurred \x1b]0;owned\x07\x1b[2J\u{202e}done`);
    expect(printed).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f\u202e]/);
  });
});
