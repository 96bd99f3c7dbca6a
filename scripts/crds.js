// Where the Argo Rollouts v1.9.1 CRDs are read from: $ARGO_ROLLOUTS_CRDS, else ../shared beside the checkout.
const fs = require('fs');
const path = require('path');

const CRD_FILES = ['rollout-crd.yaml', 'analysis-template-crd.yaml', 'cluster-analysis-template-crd.yaml'];

function crdDir() {
  const dir = process.env.ARGO_ROLLOUTS_CRDS
    ?? path.resolve(__dirname, '..', '..', 'shared', 'crds', 'argo-rollouts-v1.9.1');
  if (!fs.existsSync(path.join(dir, CRD_FILES[0]))) {
    throw new Error(`argo rollouts crds not found in ${dir}: set ARGO_ROLLOUTS_CRDS to the folder holding ${CRD_FILES.join(', ')}`);
  }
  return dir;
}

module.exports = { crdDir, CRD_FILES };
