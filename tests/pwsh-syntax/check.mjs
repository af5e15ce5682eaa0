#!/usr/bin/env node
// PowerShell syntax check without a PowerShell runtime.
//
//   node tests/pwsh-syntax/check.mjs [--markdown] <repo-root-or-files...>
//
// Parses every .ps1/.psm1/.psd1 file (and the script blocks inside .ps1xml
// files, and with --markdown the ```powershell blocks of .md files; an .md file
// named explicitly is always read that way) with the tree-sitter PowerShell
// grammar (WASM, via web-tree-sitter)
// and prints every ERROR/MISSING node as `path:line:col: syntax error near '...'`.
// Exit 0: all clean. Exit 1: syntax errors, or no files found. Exit 2: setup/usage.
// Known grammar false positives are listed in README.md next to this file.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// tree-sitter-pwsh (github.com/wharflab/tree-sitter-powershell) is a fork of
// tree-sitter-powershell with far fewer false positives; see README.md.
const GRAMMAR = 'tree-sitter-pwsh';
const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.join(HERE, 'fixtures'); // contains deliberately broken files
const SKIP_DIRS = new Set(['node_modules', 'bin', 'obj', '.git']);
const SCRIPT_EXT = new Set(['.ps1', '.psm1', '.psd1']);
const XML_EXT = '.ps1xml';
const MD_EXT = '.md';
const MD_LANGS = new Set(['powershell', 'pwsh', 'ps1', 'ps']);
let markdown = false; // --markdown: walks also take .md files

function die(code, msg) {
  console.error(`pwsh-syntax: ${msg}`);
  process.exit(code);
}

async function loadParser() {
  try {
    const require = createRequire(import.meta.url);
    const { Parser, Language } = await import('web-tree-sitter');
    const wasm = path.join(path.dirname(require.resolve(`${GRAMMAR}/package.json`)),
      'tree-sitter-powershell.wasm');
    await Parser.init();
    const parser = new Parser();
    parser.setLanguage(await Language.load(wasm));
    return parser;
  } catch (err) {
    die(2, `cannot load the PowerShell grammar (${err.message.split('\n')[0]}).\n` +
      'Run: npm ci --prefix tests/pwsh-syntax');
  }
}

// Collect files: directories are walked, files given explicitly are always checked.
function collect(arg, out, isRoot) {
  let st;
  try { st = statSync(arg); } catch { die(2, `no such file or directory: ${arg}`); }
  if (st.isFile()) {
    if (isRoot || isWanted(arg)) out.push(arg);
    return;
  }
  if (!st.isDirectory()) return;
  // The bad fixtures must only be checked when asked for explicitly (selftest).
  if (!isRoot && path.resolve(arg) === FIXTURES) return;
  for (const ent of readdirSync(arg, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (ent.isDirectory() && SKIP_DIRS.has(ent.name)) continue;
    const p = path.join(arg, ent.name);
    if (ent.isDirectory()) collect(p, out, false);
    else if (ent.isFile() && isWanted(p)) out.push(p);
  }
}

function isWanted(p) {
  const ext = path.extname(p).toLowerCase();
  return SCRIPT_EXT.has(ext) || ext === XML_EXT || (markdown && ext === MD_EXT);
}

// Windows PowerShell often writes UTF-16 LE (with BOM) or UTF-8 with BOM.
function readText(file) {
  const buf = readFileSync(file);
  if (buf[0] === 0xff && buf[1] === 0xfe) return buf.toString('utf16le', 2);
  const text = buf.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

// Pieces of PowerShell in a file: the whole file, or for .ps1xml the text of each
// <ScriptBlock>/<GetScriptBlock>/<SetScriptBlock>/<Script> element. `map[i]` is
// the offset in the file of character i of the (entity-decoded) piece.
function pieces(file, text) {
  if (path.extname(file).toLowerCase() === MD_EXT) return markdownBlocks(text);
  if (path.extname(file).toLowerCase() !== XML_EXT) return [{ code: text, map: null }];
  const noComments = text.replace(/<!--[\s\S]*?-->/g, (m) => ' '.repeat(m.length));
  const out = [];
  const re = /<(ScriptBlock|GetScriptBlock|SetScriptBlock|Script)>([\s\S]*?)<\/\1>/g;
  for (let m; (m = re.exec(noComments));) {
    out.push(decodeXml(m[2], m.index + m[1].length + 2));
  }
  return out;
}

// Fenced code blocks tagged powershell/pwsh/ps1/ps (CommonMark fences: ``` or ~~~,
// closed by the same character at least as long; other blocks, including ones
// nested in a longer fence, are skipped). Indentation up to the fence's own is removed.
function markdownBlocks(text) {
  const out = [];
  const lines = text.split('\n');
  let offset = 0;
  let open = null; // { fence, indent, wanted, code, map }
  for (const line of lines) {
    const start = offset;
    offset += line.length + 1;
    const m = /^( {0,3})(`{3,}|~{3,})\s*([^`\s]*)/.exec(line);
    if (!open) {
      if (m) open = { fence: m[2], indent: m[1].length, wanted: MD_LANGS.has(m[3].toLowerCase()), code: '', map: [] };
      continue;
    }
    if (m && m[2][0] === open.fence[0] && m[2].length >= open.fence.length && m[3] === '' && line.trim() === m[2]) {
      if (open.wanted) { open.map.push(start); out.push({ code: open.code, map: open.map }); }
      open = null;
      continue;
    }
    if (!open.wanted) continue;
    let cut = 0;
    while (cut < open.indent && line[cut] === ' ') cut++;
    for (let i = cut; i < line.length; i++) open.map.push(start + i);
    open.map.push(start + line.length);
    open.code += line.slice(cut) + '\n';
  }
  return out;
}

const ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
function decodeXml(raw, base) {
  let code = '';
  const map = [];
  const re = /<!\[CDATA\[([\s\S]*?)\]\]>|&(#x[0-9a-f]+|#[0-9]+|[a-z]+);|[\s\S]/giy;
  for (let m; (m = re.exec(raw));) {
    const at = base + m.index;
    if (m[1] !== undefined) {
      for (let i = 0; i < m[1].length; i++) map.push(at + 9 + i);
      code += m[1];
      continue;
    }
    let ch = m[0];
    if (m[2]) {
      const e = m[2].toLowerCase();
      ch = e[0] !== '#' ? ENTITIES[e] ?? m[0]
        : String.fromCodePoint(parseInt(e[1] === 'x' ? e.slice(2) : e.slice(1), e[1] === 'x' ? 16 : 10));
    }
    for (let i = 0; i < ch.length; i++) map.push(at);
    code += ch;
  }
  map.push(base + raw.length);
  return { code, map };
}

// Offsets (in `code`) of every ERROR and MISSING node, as { at, missing? }.
function findErrors(root, code) {
  if (!root.hasError) return [];
  const found = [];
  (function walk(node) {
    if (node.isMissing) {
      found.push({ at: node.startIndex, missing: `'${node.type}'` });
      return;
    }
    if (node.isError) found.push({ at: node.startIndex });
    let shown = node.isError;
    for (let i = 0; i < node.childCount; i++) {
      const c = node.child(i);
      if (c.hasError || c.isMissing) { shown = true; walk(c); }
    }
    // A MISSING node of a hidden token (e.g. the statement terminator) is not
    // among node.child(i): it was expected where this node ends.
    if (!shown) found.push({ at: node.endIndex, missing: 'token' });
    // Text an ERROR covers after its last child was never tokenised: that is
    // where the lexer gave up (e.g. an unterminated string).
    if (node.isError && node.childCount) {
      const tail = code.slice(node.child(node.childCount - 1).endIndex, node.endIndex);
      const lead = tail.length - tail.trimStart().length;
      if (lead < tail.length) found.push({ at: node.endIndex - tail.length + lead });
    }
  })(root);
  return found;
}

function lineCol(text, offset) {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

function snippet(code, at) {
  let s = code.slice(at, at + 40).split(/\r?\n/)[0].trim();
  if (!s) s = code.slice(0, at).trimEnd().split('\n').pop().trim().slice(-30); // at end of line
  return s.length > 30 ? `${s.slice(0, 30)}...` : s;
}

const args = process.argv.slice(2).filter((a) => {
  if (a !== '--markdown') return true;
  markdown = true;
  return false;
});
if (args.length === 0) die(2, 'usage: node tests/pwsh-syntax/check.mjs [--markdown] <repo-root-or-files...>');

const parser = await loadParser();
const files = [];
for (const a of args) collect(a, files, true);
if (files.length === 0) die(1, `no .ps1/.psm1/.psd1/.ps1xml${markdown ? '/.md' : ''} files found under: ${args.join(' ')}`);

let bad = 0;
for (const file of files) {
  const text = readText(file);
  const found = new Map(); // "line:col" -> message, deduplicated, sorted below
  for (const { code, map } of pieces(file, text)) {
    const tree = parser.parse(code);
    for (const { at, missing } of findErrors(tree.rootNode, code)) {
      const { line, col } = lineCol(text, map ? map[at] : at);
      const what = missing ? ` (missing ${missing})` : '';
      found.set(`${line}:${col}`, { line, col, msg: `${file}:${line}:${col}: syntax error near '${snippet(code, at)}'${what}` });
    }
    tree.delete();
  }
  if (found.size) {
    bad++;
    for (const f of [...found.values()].sort((a, b) => a.line - b.line || a.col - b.col)) console.log(f.msg);
  }
}
console.log(`pwsh-syntax: ${files.length} files, ${bad} with errors`);
process.exit(bad ? 1 : 0);
