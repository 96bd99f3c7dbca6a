import { App } from 'cdk8s';
import { AmasProdChart } from './app/amas-prod';

const app = new App();
new AmasProdChart(app, 'amas-prod');
app.synth();
