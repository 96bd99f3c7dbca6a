// The CRDs this project is built and tested against, kept in the repository with their licence and
// origin in SOURCE.md: Argo Rollouts v1.9.1 (crds/argo-rollouts-v1.9.1), the Gateway API v1.4.0
// standard channel (crds/gateway-api-v1.4.0) and Istio v1.32.0's VirtualService and DestinationRule
// (crds/istio-v1.32.0).
const path = require('path');

const CRD_DIR = path.join(__dirname, '..', 'crds', 'argo-rollouts-v1.9.1');
/** The CRDs that `npm run import` turns into imports/argoproj.io.ts. */
const IMPORTED_CRD_FILES = ['rollout-crd.yaml', 'analysis-template-crd.yaml', 'cluster-analysis-template-crd.yaml'];

const GATEWAY_API_CRD_DIR = path.join(__dirname, '..', 'crds', 'gateway-api-v1.4.0');
/** The CRDs that `npm run import` turns into imports/gateway.networking.k8s.io.ts. */
const GATEWAY_API_IMPORTED_CRD_FILES = ['httproutes-crd.yaml'];

const ISTIO_CRD_DIR = path.join(__dirname, '..', 'crds', 'istio-v1.32.0');
/** The CRDs that `npm run import` turns into imports/networking.istio.io.ts. */
const ISTIO_IMPORTED_CRD_FILES = ['virtualservices-crd.yaml', 'destinationrules-crd.yaml'];

/** Every folder whose `*-crd.yaml` schemas the tests validate synthesized objects against. */
const SCHEMA_CRD_DIRS = [CRD_DIR, GATEWAY_API_CRD_DIR, ISTIO_CRD_DIR];

/** What `npm run import` generates: one bundle of CRDs per imports/ file. */
const IMPORTS = [
  { name: 'argo-rollouts', dir: CRD_DIR, files: IMPORTED_CRD_FILES },
  { name: 'gateway-api', dir: GATEWAY_API_CRD_DIR, files: GATEWAY_API_IMPORTED_CRD_FILES },
  { name: 'istio', dir: ISTIO_CRD_DIR, files: ISTIO_IMPORTED_CRD_FILES },
];

module.exports = {
  CRD_DIR, IMPORTED_CRD_FILES, GATEWAY_API_CRD_DIR, GATEWAY_API_IMPORTED_CRD_FILES, ISTIO_CRD_DIR, ISTIO_IMPORTED_CRD_FILES, SCHEMA_CRD_DIRS, IMPORTS,
};
