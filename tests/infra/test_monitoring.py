"""Monitoring: alarms that matter, a dashboard, e-mail only when configured."""

from __future__ import annotations

from .synth import Synth


def _alarms(synth: Synth) -> dict[str, dict[str, object]]:
    return {
        logical_id.removeprefix("Monitoring")[:-8]: alarm["Properties"]
        for logical_id, alarm in synth.resources("AWS::CloudWatch::Alarm").items()
    }


def test_alarms_cover_dead_letters_analyze_and_api_faults(default: Synth) -> None:
    alarms = _alarms(default)
    assert set(alarms) == {
        "DeadLetters",
        "AnalyzeErrors",
        "AnalyzeThrottles",
        "QueueBacklog",
        "Api5xx",
    }
    dead_letters = alarms["DeadLetters"]
    assert dead_letters["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert dead_letters["Threshold"] == 1
    assert dead_letters["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert alarms["Api5xx"]["MetricName"] == "5XXError"
    assert alarms["AnalyzeThrottles"]["MetricName"] == "Throttles"


def test_dashboard_exists(default: Synth) -> None:
    assert len(default.resources("AWS::CloudWatch::Dashboard")) == 1


def test_no_topic_without_an_email(default: Synth) -> None:
    assert default.resources("AWS::SNS::Topic") == {}
    assert all("AlarmActions" not in alarm for alarm in _alarms(default).values())


def test_email_subscribes_to_every_alarm(variant: Synth) -> None:
    subscription = variant.only("AWS::SNS::Subscription")
    assert (subscription["Protocol"], subscription["Endpoint"]) == ("email", "ops@example.com")
    (topic_id,) = variant.resources("AWS::SNS::Topic")
    for alarm in _alarms(variant).values():
        assert alarm["AlarmActions"] == [{"Ref": topic_id}]
