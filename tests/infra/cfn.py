"""Evaluate a synthesized template's intrinsic functions the way CloudFormation will.

Only what tricloud's templates use: Ref (pseudo parameters and resources), Fn::GetAtt,
Fn::Join, Fn::Select, Fn::Split and Fn::Sub without variables. A resource's Ref or attribute
becomes a recognisable placeholder (`<Logical.Attr>`), since it is only known after deploy.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

ACCOUNT = "123456789012"
STACK_UUID = "4f6a1c20-9b1e-11ef-8a2d-0a1b2c3d4e5f"


@dataclass(frozen=True)
class Deployment:
    """Where a template is deployed: the pseudo parameters CloudFormation fills in."""

    region: str
    stack_name: str = "Tricloud"
    account: str = ACCOUNT
    stack_uuid: str = STACK_UUID
    resources: Mapping[str, Any] = field(default_factory=dict)

    @property
    def partition(self) -> str:
        return "aws-cn" if self.region.startswith("cn-") else "aws"

    @property
    def url_suffix(self) -> str:
        return "amazonaws.com.cn" if self.region.startswith("cn-") else "amazonaws.com"

    def pseudo(self) -> dict[str, str]:
        return {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::Partition": self.partition,
            "AWS::URLSuffix": self.url_suffix,
            "AWS::StackName": self.stack_name,
            "AWS::StackId": (
                f"arn:{self.partition}:cloudformation:{self.region}:{self.account}:"
                f"stack/{self.stack_name}/{self.stack_uuid}"
            ),
            "AWS::NoValue": "",
        }

    def resolve(self, value: Any) -> Any:
        """`value` with every intrinsic function evaluated (resources as placeholders)."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {key: self.resolve(item) for key, item in value.items()}
        ((name, argument),) = value.items()
        if name == "Ref":
            pseudo = self.pseudo()
            if argument in pseudo:
                return pseudo[argument]
            if argument not in self.resources:
                raise KeyError(f"Ref to unknown {argument}")
            return f"<{argument}>"
        if name == "Fn::GetAtt":
            logical_id, attribute = (
                argument if isinstance(argument, list) else argument.split(".", 1)
            )
            if logical_id not in self.resources:
                raise KeyError(f"Fn::GetAtt of unknown {logical_id}")
            return f"<{logical_id}.{attribute}>"
        if name == "Fn::Join":
            separator, items = argument
            return separator.join(str(self.resolve(item)) for item in self.resolve(items))
        if name == "Fn::Select":
            index, items = argument
            resolved = self.resolve(items)
            if not isinstance(resolved, list) or int(index) >= len(resolved):
                # A piece of a value only known after deploy (a split placeholder).
                return f"<{index} of {resolved}>"
            return resolved[int(index)]
        if name == "Fn::Split":
            separator, text = argument
            return str(self.resolve(text)).split(separator)
        if name == "Fn::Sub" and isinstance(argument, str):
            text = argument
            for key, item in self.pseudo().items():
                text = text.replace("${" + key + "}", item)
            return text
        return {name: self.resolve(argument)}


def intrinsic_targets(value: Any) -> Iterator[tuple[str, str]]:
    """(function, logical id) of every Ref, Fn::GetAtt and Fn::Sub `${...}` inside `value`."""
    if isinstance(value, list):
        for item in value:
            yield from intrinsic_targets(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "Ref" and isinstance(item, str) and not item.startswith("AWS::"):
                yield key, item
            elif key == "Fn::GetAtt":
                logical_id = item[0] if isinstance(item, list) else str(item).split(".")[0]
                yield key, logical_id
            elif key == "Fn::Sub":
                text, variables = (item, {}) if isinstance(item, str) else item
                for name in re.findall(r"\$\{([^}!][^}]*)\}", text):
                    logical_id = name.split(".")[0]
                    if logical_id not in variables and not logical_id.startswith("AWS::"):
                        yield key, logical_id
                yield from intrinsic_targets(variables)
            else:
                yield from intrinsic_targets(item)
