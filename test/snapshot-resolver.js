// Keeps snapshots in the top-level __snapshots__/ folder of the cdk8s app layout.
const path = require('path');

const root = path.resolve(__dirname, '..');
const snapshots = path.join(root, '__snapshots__');

module.exports = {
  resolveSnapshotPath: (testPath, ext) => path.join(snapshots, path.relative(path.join(root, 'test'), testPath) + ext),
  resolveTestPath: (snapshotPath, ext) => path.join(root, 'test', path.relative(snapshots, snapshotPath).slice(0, -ext.length)),
  testPathForConsistencyCheck: path.join(root, 'test', 'rollout', 'example.test.ts'),
};
