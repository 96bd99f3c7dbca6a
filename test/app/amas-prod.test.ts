import { Testing } from 'cdk8s';
import { AmasProdChart } from '../../app/amas-prod';
import { synthValid } from '../support/schema';

describe('the amas-prod example', () => {
  const chart = new AmasProdChart(Testing.app(), 'amas-prod');
  const objs = synthValid(chart);

  test('every object is valid against its schema, in namespace amas-prod', () => {
    expect(objs.length).toBeGreaterThan(0);
    expect(objs.filter((o) => o.metadata.namespace !== 'amas-prod')).toEqual([]);
  });

  test('the rollout goes 10 -> 25 -> 50 -> 75 -> 100 and promotes in under 10 minutes', () => {
    const weights = chart.rollout.plan.steps.filter((s) => s.description.startsWith('setWeight')).map((s) => s.weight);
    expect(weights).toEqual([10, 25, 50, 75]);
    expect(chart.rollout.plan.promotionSeconds).toBeLessThan(600);
  });

  test('snapshot', () => {
    expect(objs).toMatchSnapshot();
  });
});
