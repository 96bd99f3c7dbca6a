#!/usr/bin/env node
// Generates imports/argoproj.io.ts from the Argo Rollouts CRDs (Rollout, AnalysisTemplate,
// ClusterAnalysisTemplate), read from crds/argo-rollouts-v1.9.1 in this repository.
const { execFileSync } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const { CRD_DIR, IMPORTED_CRD_FILES } = require('./crds');

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'argo-crds-'));
try {
  const bundle = path.join(tmp, 'argo-rollouts.yaml');
  fs.writeFileSync(bundle, IMPORTED_CRD_FILES.map((f) => fs.readFileSync(path.join(CRD_DIR, f), 'utf8')).join('\n---\n'));
  // Run in the terminal's process group, so that Ctrl-C reaches npx and cdk8s; at the timeout npx gets
  // SIGTERM, which npm passes on to the command it runs.
  execFileSync('npx', ['cdk8s', 'import', '--no-check-upgrade', '--no-save', '--language', 'typescript',
    '--output', 'imports', bundle], { stdio: 'inherit', cwd: path.join(__dirname, '..'), timeout: 5 * 60_000, killSignal: 'SIGTERM' });
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
