"""The intrinsic functions the offline stack resolves, and what it refuses to guess."""

from __future__ import annotations

import pytest

from offline.cfn import ACCOUNT_ID, REGION, Resolver, UnresolvedError, references


@pytest.fixture
def resolver() -> Resolver:
    resolver = Resolver("Stack")
    resolver.define("Queue", "http://q", Arn="arn:aws:sqs:us-east-1:1:q", QueueName="q")
    return resolver


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Ref": "Queue"}, "http://q"),
        ({"Fn::GetAtt": ["Queue", "Arn"]}, "arn:aws:sqs:us-east-1:1:q"),
        ({"Fn::GetAtt": "Queue.QueueName"}, "q"),
        (
            {"Fn::Join": ["-", ["a", {"Ref": "AWS::AccountId"}, {"Ref": "AWS::Region"}]]},
            f"a-{ACCOUNT_ID}-{REGION}",
        ),
        ({"Fn::Sub": "${Queue}/${Queue.QueueName}/${AWS::StackName}"}, "http://q/q/Stack"),
        ({"Fn::Sub": ["${X}!", {"X": {"Ref": "Queue"}}]}, "http://q!"),
        ({"Fn::Select": [1, {"Fn::Split": [":", {"Fn::GetAtt": ["Queue", "Arn"]}]}]}, "aws"),
        ({"Nested": [{"Ref": "Queue"}, 3]}, {"Nested": ["http://q", 3]}),
    ],
)
def test_intrinsics_resolve_to_the_offline_values(
    resolver: Resolver, value: object, expected: object
) -> None:
    assert resolver.resolve(value) == expected


@pytest.mark.parametrize(
    "value",
    [{"Ref": "Missing"}, {"Fn::GetAtt": ["Queue", "Nope"]}, {"Ref": "AWS::NotAThing"}],
)
def test_an_unknown_reference_is_an_error_not_a_guess(resolver: Resolver, value: object) -> None:
    with pytest.raises(UnresolvedError):
        resolver.resolve(value)


def test_references_names_the_logical_ids_a_value_needs() -> None:
    value = {
        "A": {"Ref": "Bucket"},
        "B": [{"Fn::GetAtt": ["Queue", "Arn"]}, {"Ref": "AWS::Region"}],
        "C": {"Fn::Join": ["", [{"Fn::GetAtt": "Table.Arn"}]]},
    }
    assert references(value) == {"Bucket", "Queue", "Table"}
