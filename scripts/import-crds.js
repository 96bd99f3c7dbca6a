#!/usr/bin/env node
// Generates imports/ from the CRDs kept in crds/ of this repository (see scripts/crds.js):
// imports/argoproj.io.ts from Argo Rollouts' Rollout, AnalysisTemplate and ClusterAnalysisTemplate,
// imports/gateway.networking.k8s.io.ts from the Gateway API HTTPRoute, and imports/networking.istio.io.ts from
// Istio's VirtualService and DestinationRule.
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const { IMPORTS } = require('./crds');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'crds-'));
try {
  for (const { name, dir, files } of IMPORTS) {
    const bundle = path.join(tmp, `${name}.yaml`);
    fs.writeFileSync(bundle, files.map((f) => fs.readFileSync(path.join(dir, f), 'utf8')).join('\n---\n'));
    // Run in the terminal's process group, so that Ctrl-C reaches npx and cdk8s; at the timeout npx gets
    // SIGTERM, which npm passes on to the command it runs.
    execFileSync('npx', ['cdk8s', 'import', '--no-check-upgrade', '--no-save', '--language', 'typescript',
      '--output', 'imports', bundle], { stdio: 'inherit', cwd: path.join(__dirname, '..'), timeout: 5 * 60_000, killSignal: 'SIGTERM' });
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
