"""Alarms that need a person (lost uploads, failing analysis, API faults) and a dashboard."""

from __future__ import annotations

from aws_cdk import Aws, Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

PERIOD = Duration.minutes(5)


class Monitoring(Construct):
    """CloudWatch alarms, an optional e-mail topic for them, and one dashboard."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api: apigw.RestApi,
        functions: tuple[lambda_.Function, ...],
        analyze: lambda_.Function,
        queue: sqs.Queue,
        dead_letters: sqs.Queue,
        alarm_email: str | None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.topic: sns.Topic | None = None
        if alarm_email:
            self.topic = sns.Topic(
                self, "AlarmTopic", display_name="tricloud alarms", enforce_ssl=True
            )
            self.topic.add_subscription(subscriptions.EmailSubscription(alarm_email))
            self.topic.add_to_resource_policy(alarms_may_publish(self.topic))

        dlq_depth = dead_letters.metric_approximate_number_of_messages_visible(
            period=PERIOD, statistic="Maximum"
        )
        oldest = queue.metric_approximate_age_of_oldest_message(period=PERIOD, statistic="Maximum")
        api_5xx = api.metric_server_error(period=PERIOD, statistic="Sum")
        self.alarms = [
            self._alarm("DeadLetters", dlq_depth, 1, "Uploads failed analysis for good (DLQ)"),
            self._alarm(
                "AnalyzeErrors",
                analyze.metric_errors(period=PERIOD, statistic="Sum"),
                1,
                "The analyze function failed",
            ),
            self._alarm(
                "AnalyzeThrottles",
                analyze.metric_throttles(period=PERIOD, statistic="Sum"),
                1,
                "The analyze function was throttled",
            ),
            self._alarm("QueueBacklog", oldest, 900, "Uploads wait over 15 minutes for analysis"),
            self._alarm("Api5xx", api_5xx, 1, "The API answered 5xx"),
        ]

        self.dashboard = cloudwatch.Dashboard(self, "Dashboard", default_interval=Duration.hours(3))
        self.dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(alarms=self.alarms, title="Alarms", width=24),
        )
        self.dashboard.add_widgets(
            _graph("API requests", api.metric_count(period=PERIOD, statistic="Sum")),
            _graph("API latency p90", api.metric_latency(period=PERIOD, statistic="p90")),
            _graph("API 4xx / 5xx", api.metric_client_error(period=PERIOD), api_5xx),
        )
        self.dashboard.add_widgets(
            _graph(
                "Invocations",
                *(fn.metric_invocations(period=PERIOD, label=fn.node.id) for fn in functions),
            ),
            _graph(
                "Errors",
                *(fn.metric_errors(period=PERIOD, label=fn.node.id) for fn in functions),
            ),
            _graph(
                "Duration p90",
                *(
                    fn.metric_duration(period=PERIOD, statistic="p90", label=fn.node.id)
                    for fn in functions
                ),
            ),
        )
        self.dashboard.add_widgets(
            _graph(
                "Upload queue",
                queue.metric_approximate_number_of_messages_visible(period=PERIOD),
                queue.metric_approximate_number_of_messages_not_visible(period=PERIOD),
            ),
            _graph("Oldest upload waiting (s)", oldest),
            _graph("Dead letters", dlq_depth),
        )

    def _alarm(
        self, construct_id: str, metric: cloudwatch.Metric, threshold: float, description: str
    ) -> cloudwatch.Alarm:
        """Alarm at `threshold` or above in one period; no data means all is well."""
        alarm = metric.create_alarm(
            self,
            construct_id,
            alarm_description=f"tricloud: {description}",
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        if self.topic:
            alarm.add_alarm_action(actions.SnsAction(self.topic))
            alarm.add_ok_action(actions.SnsAction(self.topic))
        return alarm


def alarms_may_publish(topic: sns.ITopic) -> iam.PolicyStatement:
    """Topic policy: CloudWatch may publish, only for this account's alarms in this region.

    Without it the topic policy holds only the TLS-only Deny, and alarm e-mails never come.
    """
    alarms = f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}:alarm:*"
    return iam.PolicyStatement(
        sid="CloudWatchAlarmsPublish",
        principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions=["sns:Publish"],
        resources=[topic.topic_arn],
        conditions={
            "ArnLike": {"aws:SourceArn": alarms},
            "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
        },
    )


def _graph(title: str, *metrics: cloudwatch.IMetric) -> cloudwatch.GraphWidget:
    """A third-of-the-width line graph."""
    return cloudwatch.GraphWidget(title=title, left=list(metrics), width=8)
