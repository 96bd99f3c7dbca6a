/** What the rollout constructs and ArgoRolloutsConfig share about the Argo Rollouts Gateway API plugin (internal). */

/**
 * The plugin's name: the key of its configuration in a Rollout's `trafficRouting.plugins` and its name in
 * the controller's `trafficRouterPlugins` (`PluginName` in the plugin's pkg/plugin/plugin.go, v0.15.0).
 */
export const GATEWAY_API_PLUGIN_NAME = 'argoproj-labs/gatewayAPI';
