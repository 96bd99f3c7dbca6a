// The README's example in Java: the same chart, object for object and byte for byte.
package example;

import java.util.List;
import java.util.Map;

import org.cdk8s.App;
import org.cdk8s.Chart;
import org.cdk8s.ChartProps;
import org.cdk8s.Duration;
import org.cdk8s.plus27.ConfigMap;
import org.cdk8s.plus27.ContainerProps;
import org.cdk8s.plus27.EnvValue;
import org.cdk8s.plus27.Secret;
import org.cdk8s.plus27.SecretValue;
import org.cdk8s.plus27.Volume;
import org.cdk8s.plus27.VolumeMount;

import io.github.cdk8sprogressive.AddAnalysisOptions;
import io.github.cdk8sprogressive.AppSliProps;
import io.github.cdk8sprogressive.CanaryRollout;
import io.github.cdk8sprogressive.CanaryRolloutProps;
import io.github.cdk8sprogressive.CanaryStep;
import io.github.cdk8sprogressive.LatencyProps;
import io.github.cdk8sprogressive.LockedDownNetwork;
import io.github.cdk8sprogressive.MeasurementOptions;
import io.github.cdk8sprogressive.NginxTrafficRoutingProps;
import io.github.cdk8sprogressive.RolloutAnalysis;
import io.github.cdk8sprogressive.SliSource;
import io.github.cdk8sprogressive.SloAnalysis;
import io.github.cdk8sprogressive.SloAnalysisProps;
import io.github.cdk8sprogressive.SloGate;
import io.github.cdk8sprogressive.SloGateProps;
import io.github.cdk8sprogressive.SloObjective;
import io.github.cdk8sprogressive.SuccessRateProps;
import io.github.cdk8sprogressive.TrafficRouting;

public final class Main {
  public static void main(final String[] args) {
    App app = new App();
    Chart chart = new Chart(app, "shop", ChartProps.builder().namespace("shop").build());

    // 10% -> 25% -> 50% -> 75% -> 100% through ingress-nginx, one minute at each weight
    CanaryRollout rollout = new CanaryRollout(chart, "checkout", CanaryRolloutProps.builder()
        .namespace("shop")
        .image("registry.example.com/checkout:2.3.1")
        .steps(CanaryStep.weightsWithPauses(List.of(10, 25, 50, 75), Duration.minutes(1)))
        .trafficRouting(TrafficRouting.nginx(NginxTrafficRoutingProps.builder().host("checkout.example.com").build()))
        .maxPromotionTime(Duration.minutes(10)) // synth fails if the plan takes longer
        .maxTimeToAbort(Duration.minutes(2)) // ... or if a bad canary could live longer
        // The pod in cdk8s-plus' own words: env from a Secret, a volume, a sidecar (each container hardened)
        .envVariables(Map.of("DB_PASSWORD", EnvValue.fromSecretValue(SecretValue.builder()
            .secret(Secret.fromSecretName(chart, "db", "checkout-db")).key("password").build())))
        .volumeMounts(List.of(VolumeMount.builder()
            .path("/etc/checkout").readOnly(true)
            .volume(Volume.fromConfigMap(chart, "config", ConfigMap.fromConfigMapName(chart, "checkout-config", "checkout-config")))
            .build()))
        .sidecars(List.of(ContainerProps.builder().name("log-shipper").image("registry.example.com/log-shipper:1.0.4").build()))
        .build());

    // Judge the canary (not the mix of canary and stable) through the slo-gate, at every weight. The gate
    // answers only for the namespace whose token a call carries: Secrets you create (docs/gate-security.md)
    SloGate gate = new SloGate(chart, "slo-gate", SloGateProps.builder().namespace("shop").image("registry.example.com/slo-gate:0.1.0").build());
    Duration window = Duration.minutes(1);
    SloAnalysis slo = new SloAnalysis(chart, "checkout-slo", SloAnalysisProps.builder()
        .gate(gate)
        .sli(SliSource.app(AppSliProps.builder().matchLabels(rollout.getPodSelectorLabels()).build()))
        .objectives(List.of(
            SloObjective.successRate(SuccessRateProps.builder().objective(0.95).window(window).build()),
            SloObjective.latency(LatencyProps.builder().quantile(0.95).threshold(Duration.seconds(3)).window(window).build())))
        .measurement(MeasurementOptions.builder().interval(Duration.seconds(20)).count(3).initialDelay(Duration.seconds(0)).build())
        .build());
    rollout.addAnalysis(RolloutAnalysis.builder().templates(List.of(slo)).build(),
        AddAnalysisOptions.builder().atWeights(List.of(10, 25, 50, 75)).build());

    // Default deny; then the ingress controller, Prometheus scrapes and DNS
    LockedDownNetwork.forRollout(chart, "checkout-network", rollout);

    app.synth();
  }
}
