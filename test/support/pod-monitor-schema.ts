/**
 * The required shape of a prometheus-operator PodMonitor (monitoring.coreos.com/v1), for the
 * fields this library emits, strict about unknown fields. Registered with the schema checker so
 * that `synthValid` validates PodMonitors too.
 */
import { registerSchema } from './schema';

const stringMap = { type: 'object', additionalProperties: { type: 'string' } };

export const POD_MONITOR_SCHEMA = {
  type: 'object',
  required: ['apiVersion', 'kind', 'metadata', 'spec'],
  additionalProperties: false,
  properties: {
    apiVersion: { const: 'monitoring.coreos.com/v1' },
    kind: { const: 'PodMonitor' },
    metadata: {
      type: 'object',
      required: ['name'],
      properties: { name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$', maxLength: 253 }, namespace: { type: 'string' }, labels: stringMap },
    },
    spec: {
      type: 'object',
      required: ['selector', 'podMetricsEndpoints'],
      additionalProperties: false,
      properties: {
        selector: {
          type: 'object',
          additionalProperties: false,
          required: ['matchLabels'],
          properties: { matchLabels: { ...stringMap, minProperties: 1 } },
        },
        podMetricsEndpoints: {
          type: 'array',
          minItems: 1,
          items: {
            type: 'object',
            required: ['port'],
            additionalProperties: false,
            properties: {
              port: { type: 'string', minLength: 1 },
              path: { type: 'string', pattern: '^/' },
              interval: { type: 'string', pattern: '^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$' },
              relabelings: {
                type: 'array',
                items: {
                  type: 'object',
                  additionalProperties: false,
                  properties: {
                    sourceLabels: { type: 'array', items: { type: 'string', pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' } },
                    targetLabel: { type: 'string', pattern: '^[a-zA-Z_][a-zA-Z0-9_]*$' },
                    action: { enum: ['replace', 'Replace', 'keep', 'Keep', 'drop', 'Drop', 'labelmap', 'LabelMap', 'labeldrop', 'LabelDrop', 'labelkeep', 'LabelKeep'] },
                    regex: { type: 'string' },
                    replacement: { type: 'string' },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

registerSchema('monitoring.coreos.com/v1', 'PodMonitor', POD_MONITOR_SCHEMA);
