"""CloudFormation intrinsic functions, resolved against the offline stack's resources.

A :class:`Resolver` knows, per logical id, what ``Ref`` and ``Fn::GetAtt`` give for the
resources the offline stack created (or stands in for), plus the pseudo parameters of
the offline account. It resolves ``Ref``, ``Fn::GetAtt``, ``Fn::Join``, ``Fn::Sub``,
``Fn::Select`` and ``Fn::Split`` anywhere in a value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

#: The offline stack's pretend account id (moto's default) and region.
ACCOUNT_ID = "123456789012"
REGION = "us-east-1"


class UnresolvedError(LookupError):
    """A reference to something the offline stack does not provide."""


def references(value: Any) -> set[str]:
    """Logical ids ``value`` refers to through ``Ref`` or ``Fn::GetAtt`` (pseudo ones left out)."""
    found: set[str] = set()
    if isinstance(value, dict):
        if set(value) == {"Ref"} and not str(value["Ref"]).startswith("AWS::"):
            found.add(str(value["Ref"]))
        elif set(value) == {"Fn::GetAtt"}:
            target = value["Fn::GetAtt"]
            found.add(str(target[0] if isinstance(target, list) else target.split(".")[0]))
        else:
            for item in value.values():
                found |= references(item)
    elif isinstance(value, list):
        for item in value:
            found |= references(item)
    return found


@dataclass
class Resolver:
    """What each logical id's ``Ref`` and attributes are offline."""

    stack_name: str
    refs: dict[str, Any] = field(default_factory=dict)
    attributes: dict[tuple[str, str], Any] = field(default_factory=dict)

    def define(self, logical_id: str, ref: Any, **attributes: Any) -> None:
        """Record ``Ref`` and ``Fn::GetAtt`` values of one resource."""
        self.refs[logical_id] = ref
        for name, value in attributes.items():
            self.attributes[(logical_id, name)] = value

    def pseudo(self, name: str) -> str:
        """``AWS::AccountId``, ``AWS::Region``, ``AWS::Partition``... of the offline account."""
        values = {
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Region": REGION,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/"
            f"{self.stack_name}/offline",
            "AWS::NoValue": "",
        }
        if name not in values:
            raise UnresolvedError(f"pseudo parameter {name}")
        return values[name]

    def resolve(self, value: Any) -> Any:
        """``value`` with every intrinsic function replaced by its offline value."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((name, argument),) = value.items()
            function = _FUNCTIONS.get(name)
            if function is not None:
                return function(self, argument)
        return {key: self.resolve(item) for key, item in value.items()}

    def _ref(self, name: str) -> Any:
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name not in self.refs:
            raise UnresolvedError(f"Ref {name}")
        return self.refs[name]

    def _get_att(self, argument: Any) -> Any:
        logical_id, attribute = argument if isinstance(argument, list) else argument.split(".", 1)
        key = (str(logical_id), str(self.resolve(attribute)))
        if key not in self.attributes:
            raise UnresolvedError(f"Fn::GetAtt {key[0]}.{key[1]}")
        return self.attributes[key]

    def _join(self, argument: list[Any]) -> str:
        separator, items = argument
        return str(separator).join(str(self.resolve(item)) for item in self.resolve(items))

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        local = {name: self.resolve(item) for name, item in variables.items()}

        def replace(found: re.Match[str]) -> str:
            name = found.group(1)
            if name in local:
                return str(local[name])
            if "." in name:
                return str(self._get_att(name))
            return str(self._ref(name))

        return re.sub(r"\$\{([^!}][^}]*)\}", replace, text)

    def _select(self, argument: list[Any]) -> Any:
        index, items = argument
        return self.resolve(items)[int(self.resolve(index))]

    def _split(self, argument: list[Any]) -> list[str]:
        separator, text = argument
        return str(self.resolve(text)).split(str(separator))


_FUNCTIONS: dict[str, Any] = {
    "Ref": Resolver._ref,
    "Fn::GetAtt": Resolver._get_att,
    "Fn::Join": Resolver._join,
    "Fn::Sub": Resolver._sub,
    "Fn::Select": Resolver._select,
    "Fn::Split": Resolver._split,
}
