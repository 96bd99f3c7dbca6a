import * as path from 'path';
import { App } from 'cdk8s';
import { AmasProdChart } from './app/amas-prod';
import { AmasProdGatewayChart } from './app/amas-prod-gateway';

const outdir = process.env.CDK8S_OUTDIR ?? 'dist';
const app = new App({ outdir });
new AmasProdChart(app, 'amas-prod');
app.synth();

// The same service routed through the Gateway API: an alternative to the chart above, not an addition to it, so in
// a folder of its own (an Argo CD Application or `kubectl apply -f dist/` takes one or the other).
const gatewayApi = new App({ outdir: path.join(outdir, 'gateway-api') });
new AmasProdGatewayChart(gatewayApi, 'amas-prod-gateway');
gatewayApi.synth();
