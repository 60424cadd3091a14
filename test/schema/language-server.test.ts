/**
 * Runs the real yaml-language-server over stdio, as VS Code would, with the schema store disabled, and
 * checks that our JSON Schema gives completion of our keys and flags a wrongly typed value.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as rpc from 'vscode-jsonrpc/node.js';
import { repoRoot } from '../helpers/cli.js';

const schemaUri = pathToFileURL(join(repoRoot, 'schema/platform.schema.json')).href;
// Documents are opened in memory beside the real platform.yaml, so its modeline ($schema=./schema/...) resolves.
const docUri = pathToFileURL(join(repoRoot, 'platform.yaml')).href;
const uriFor = (name: string) => pathToFileURL(join(repoRoot, `${name}.platform.yaml`)).href;

interface Diag { range: { start: { line: number; character: number } }; message: string }

let server: ChildProcess;
let connection: rpc.MessageConnection;
const published = new Map<string, Diag[]>();
const waiters: (() => void)[] = [];

beforeAll(async () => {
  server = spawn(process.execPath, [join(repoRoot, 'node_modules/yaml-language-server/bin/yaml-language-server'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  connection = rpc.createMessageConnection(new rpc.StreamMessageReader(server.stdout!), new rpc.StreamMessageWriter(server.stdin!));
  const settings = { yaml: { schemaStore: { enable: false }, validate: true, completion: true, hover: true, schemas: { [schemaUri]: ['platform.yaml'] } } };
  connection.onRequest('workspace/configuration', (params: { items: { section?: string }[] }) =>
    params.items.map((item) => (item.section === 'yaml' ? settings.yaml : item.section ? undefined : settings)),
  );
  connection.onRequest('client/registerCapability', () => null);
  connection.onNotification('textDocument/publishDiagnostics', (p: { uri: string; diagnostics: Diag[] }) => {
    published.set(p.uri, p.diagnostics);
    waiters.splice(0).forEach((w) => w());
  });
  connection.listen();
  await connection.sendRequest('initialize', {
    processId: process.pid,
    rootUri: pathToFileURL(repoRoot).href,
    capabilities: { textDocument: { completion: { completionItem: { snippetSupport: false } }, publishDiagnostics: {} }, workspace: { configuration: true } },
  });
  connection.sendNotification('initialized', {});
  connection.sendNotification('workspace/didChangeConfiguration', { settings });
});

afterAll(() => {
  connection?.dispose();
  server?.kill();
});

function open(uri: string, text: string, version = 1) {
  connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version, text } });
}

async function diagnosticsFor(uri: string): Promise<Diag[]> {
  for (let i = 0; i < 50 && !published.has(uri); i++) await new Promise<void>((r) => (waiters.push(r), setTimeout(r, 200)));
  return published.get(uri) ?? [];
}

describe('yaml-language-server with schema/platform.schema.json', () => {
  const base = readFileSync(join(repoRoot, 'platform.yaml'), 'utf8');

  it('offers our keys for completion inside a node pool', async () => {
    // An empty line inside nodePools.gpu: the editor asks what may go there.
    const lines = base.split('\n');
    const at = lines.findIndex((l) => l === '  gpu:') + 2;
    lines.splice(at, 0, '    ');
    const uri = uriFor('completion');
    open(uri, lines.join('\n'));
    const result = (await connection.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line: at, character: 4 } })) as { items: { label: string }[] } | { label: string }[];
    const labels = (Array.isArray(result) ? result : result.items).map((i) => i.label);
    expect(labels).toEqual(expect.arrayContaining(['capacityType', 'desiredSize', 'taints']));
    expect(labels).not.toContain('role'); // already present in that pool
  });

  it('offers enum values with their descriptions', async () => {
    const text = base.replace('natGateways: single', 'natGateways: ');
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.includes('natGateways: '));
    const uri = uriFor('enum');
    open(uri, text);
    const result = (await connection.sendRequest('textDocument/completion', { textDocument: { uri }, position: { line, character: lines[line]!.length } })) as { items: { label: string }[] };
    expect(result.items.map((i) => i.label)).toEqual(expect.arrayContaining(['single', 'perAz']));
  });

  it('flags a wrongly typed value and an unknown key', async () => {
    const text = base.replace('    minSize: 2\n', '    minSize: two\n').replace('  owner: ml-platform@example.com', '  owner: ml-platform@example.com\n  ownr: typo');
    open(docUri, text);
    const diags = await diagnosticsFor(docUri);
    const lines = text.split('\n');
    const typed = diags.find((d) => lines[d.range.start.line]!.includes('minSize: two'));
    expect(typed?.message).toMatch(/Incorrect type|expected/i);
    expect(diags.some((d) => lines[d.range.start.line]!.includes('ownr'))).toBe(true);
  });

  it('accepts the committed platform.yaml without problems', async () => {
    const uri = uriFor('clean');
    open(uri, base);
    expect(await diagnosticsFor(uri)).toEqual([]);
  });
});
