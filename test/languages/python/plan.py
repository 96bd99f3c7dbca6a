# A rollout's plan read from Python: a pause without duration is indefinite (Infinity cannot cross to Python).
import json

from cdk8s import App, Chart, Duration
from cdk8s_progressive import CanaryRollout, CanaryStep, TrafficRouting

app = App()
chart = Chart(app, "shop", namespace="shop")
rollout = CanaryRollout(chart, "checkout",
    namespace="shop",
    image="registry.example.com/checkout:2.3.1",
    steps=[CanaryStep.weight(20), CanaryStep.pause(Duration.minutes(1)), CanaryStep.weight(50), CanaryStep.pause()],
    traffic_routing=TrafficRouting.nginx(host="checkout.example.com"),
)
plan = rollout.plan
print(json.dumps({
    "indefinite": plan.indefinite,
    "promotion_seconds": plan.promotion_seconds,
    "steps": [[s.description, s.seconds, s.indefinite] for s in plan.steps],
}))
