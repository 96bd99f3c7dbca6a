// The README's example in Go: the same chart, object for object and byte for byte.
package main

import (
	"github.com/aws/jsii-runtime-go"
	"github.com/cdk8s-progressive/cdk8s-progressive-go/cdk8sprogressive"
	"github.com/cdk8s-team/cdk8s-core-go/cdk8s/v2"
	"github.com/cdk8s-team/cdk8s-plus-go/cdk8splus27/v2"
)

func main() {
	app := cdk8s.NewApp(nil)
	chart := cdk8s.NewChart(app, jsii.String("shop"), &cdk8s.ChartProps{Namespace: jsii.String("shop")})

	// 10% -> 25% -> 50% -> 75% -> 100% through ingress-nginx, one minute at each weight
	rollout := cdk8sprogressive.NewCanaryRollout(chart, jsii.String("checkout"), &cdk8sprogressive.CanaryRolloutProps{
		Namespace:      jsii.String("shop"),
		Image:          jsii.String("registry.example.com/checkout:2.3.1"),
		Steps:          cdk8sprogressive.CanaryStep_WeightsWithPauses(jsii.Numbers(10, 25, 50, 75), cdk8s.Duration_Minutes(jsii.Number(1))),
		TrafficRouting: cdk8sprogressive.TrafficRouting_Nginx(&cdk8sprogressive.NginxTrafficRoutingProps{Host: jsii.String("checkout.example.com")}),
		MaxPromotionTime: cdk8s.Duration_Minutes(jsii.Number(10)), // synth fails if the plan takes longer
		MaxTimeToAbort:   cdk8s.Duration_Minutes(jsii.Number(2)),  // ... or if a bad canary could live longer
		// The pod in cdk8s-plus' own words: env from a Secret, a volume, a sidecar (each container hardened)
		EnvVariables: &map[string]cdk8splus27.EnvValue{
			"DB_PASSWORD": cdk8splus27.EnvValue_FromSecretValue(&cdk8splus27.SecretValue{
				Secret: cdk8splus27.Secret_FromSecretName(chart, jsii.String("db"), jsii.String("checkout-db")), Key: jsii.String("password"),
			}, nil),
		},
		VolumeMounts: &[]*cdk8splus27.VolumeMount{{
			Path: jsii.String("/etc/checkout"), ReadOnly: jsii.Bool(true),
			Volume: cdk8splus27.Volume_FromConfigMap(chart, jsii.String("config"),
				cdk8splus27.ConfigMap_FromConfigMapName(chart, jsii.String("checkout-config"), jsii.String("checkout-config")), nil),
		}},
		Sidecars: &[]*cdk8splus27.ContainerProps{{Name: jsii.String("log-shipper"), Image: jsii.String("registry.example.com/log-shipper:1.0.4")}},
	})

	// Judge the canary (not the mix of canary and stable) through the slo-gate, at every weight. The gate
	// answers only for the namespace whose token a call carries: Secrets you create (docs/gate-security.md)
	gate := cdk8sprogressive.NewSloGate(chart, jsii.String("slo-gate"), &cdk8sprogressive.SloGateProps{
		Namespace: jsii.String("shop"), Image: jsii.String("registry.example.com/slo-gate:0.1.0"),
	})
	window := cdk8s.Duration_Minutes(jsii.Number(1))
	slo := cdk8sprogressive.NewSloAnalysis(chart, jsii.String("checkout-slo"), &cdk8sprogressive.SloAnalysisProps{
		Gate: gate,
		Sli:  cdk8sprogressive.SliSource_App(&cdk8sprogressive.AppSliProps{MatchLabels: rollout.PodSelectorLabels()}),
		Objectives: &[]cdk8sprogressive.SloObjective{
			cdk8sprogressive.SloObjective_SuccessRate(&cdk8sprogressive.SuccessRateProps{Objective: jsii.Number(0.95), Window: window}),
			cdk8sprogressive.SloObjective_Latency(&cdk8sprogressive.LatencyProps{
				Quantile: jsii.Number(0.95), Threshold: cdk8s.Duration_Seconds(jsii.Number(3)), Window: window,
			}),
		},
		Measurement: &cdk8sprogressive.MeasurementOptions{
			Interval: cdk8s.Duration_Seconds(jsii.Number(20)), Count: jsii.Number(3), InitialDelay: cdk8s.Duration_Seconds(jsii.Number(0)),
		},
	})
	rollout.AddAnalysis(&cdk8sprogressive.RolloutAnalysis{Templates: &[]cdk8sprogressive.IAnalysisTemplate{slo}},
		&cdk8sprogressive.AddAnalysisOptions{AtWeights: jsii.Numbers(10, 25, 50, 75)})

	// Default deny; then the ingress controller, Prometheus scrapes and DNS
	cdk8sprogressive.LockedDownNetwork_ForRollout(chart, jsii.String("checkout-network"), rollout, nil)

	app.Synth()
}
