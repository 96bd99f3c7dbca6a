# The README's example in Python: the same chart, object for object and byte for byte.
from cdk8s import App, Chart, ChartProps, Duration
from cdk8s_plus_27 import ConfigMap, ContainerProps, EnvValue, Secret, SecretValue, Volume, VolumeMount
from cdk8s_progressive import (
    CanaryRollout, CanaryStep, LockedDownNetwork, MeasurementOptions, RolloutAnalysis,
    SliSource, SloAnalysis, SloGate, SloObjective, TrafficRouting,
)

app = App()
chart = Chart(app, "shop", namespace="shop")

# 10% -> 25% -> 50% -> 75% -> 100% through ingress-nginx, one minute at each weight
rollout = CanaryRollout(chart, "checkout",
    namespace="shop",
    image="registry.example.com/checkout:2.3.1",
    steps=CanaryStep.weights_with_pauses([10, 25, 50, 75], Duration.minutes(1)),
    traffic_routing=TrafficRouting.nginx(host="checkout.example.com"),
    max_promotion_time=Duration.minutes(10),  # synth fails if the plan takes longer
    max_time_to_abort=Duration.minutes(2),  # ... or if a bad canary could live longer
    # The pod in cdk8s-plus' own words: env from a Secret, a volume, a sidecar (each container hardened)
    env_variables={
        "DB_PASSWORD": EnvValue.from_secret_value(SecretValue(secret=Secret.from_secret_name(chart, "db", "checkout-db"), key="password")),
    },
    volume_mounts=[VolumeMount(
        path="/etc/checkout", read_only=True,
        volume=Volume.from_config_map(chart, "config", ConfigMap.from_config_map_name(chart, "checkout-config", "checkout-config")),
    )],
    sidecars=[ContainerProps(name="log-shipper", image="registry.example.com/log-shipper:1.0.4")],
)

# Judge the canary (not the mix of canary and stable) through the slo-gate, at every weight. The gate
# answers only for the namespace whose token a call carries: Secrets you create (docs/gate-security.md)
gate = SloGate(chart, "slo-gate", namespace="shop", image="registry.example.com/slo-gate:0.1.0")
window = Duration.minutes(1)
slo = SloAnalysis(chart, "checkout-slo",
    gate=gate,
    sli=SliSource.app(match_labels=rollout.pod_selector_labels),
    objectives=[
        SloObjective.success_rate(objective=0.95, window=window),
        SloObjective.latency(quantile=0.95, threshold=Duration.seconds(3), window=window),
    ],
    measurement=MeasurementOptions(interval=Duration.seconds(20), count=3, initial_delay=Duration.seconds(0)),
)
rollout.add_analysis(RolloutAnalysis(templates=[slo]), at_weights=[10, 25, 50, 75])

# Default deny; then the ingress controller, Prometheus scrapes and DNS
LockedDownNetwork.for_rollout(chart, "checkout-network", rollout)

app.synth()
