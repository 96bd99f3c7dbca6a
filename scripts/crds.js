// The Argo Rollouts v1.9.1 CRDs this project is built and tested against, kept in the repository
// (crds/argo-rollouts-v1.9.1, with their licence and origin in SOURCE.md).
const path = require('path');

const CRD_DIR = path.join(__dirname, '..', 'crds', 'argo-rollouts-v1.9.1');
/** The CRDs that `npm run import` turns into imports/argoproj.io.ts. */
const IMPORTED_CRD_FILES = ['rollout-crd.yaml', 'analysis-template-crd.yaml', 'cluster-analysis-template-crd.yaml'];

module.exports = { CRD_DIR, IMPORTED_CRD_FILES };
