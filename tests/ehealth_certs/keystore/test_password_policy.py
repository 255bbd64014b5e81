"""The eHealth keystore password policy, on the server and in the browser (password_policy.js)."""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

from ehealth_certs import keystore_text
from ehealth_certs.keystore.password_policy import CHARACTERS, CONFIRMATION, DIGIT_OR_SYMBOL, LENGTH
from tests.requires import require_service

PROJECT_ROOT = Path(__file__).resolve().parents[3]


def codes(password, confirmation=None):
    return [rule.code for rule in keystore_text.failed_password_rules(password, confirmation)]


@pytest.mark.parametrize(
    ("password", "failed"),
    [
        ("Passw0rd", []),
        ("password!", []),
        ("correct horse 9", []),
        ("~!@#$%^&", []),
        ("12345678", []),
        ("", [LENGTH, CHARACTERS, DIGIT_OR_SYMBOL]),
        ("Pass0rd", [LENGTH]),
        ("abcdefgh", [DIGIT_OR_SYMBOL]),
        ("abcdéfg1", [CHARACTERS]),
        ("tab\tpass1", [CHARACTERS]),
        ("newline\n1", [CHARACTERS]),
        ("€uro-2025", [CHARACTERS]),
        ("Ωmega", [LENGTH, CHARACTERS, DIGIT_OR_SYMBOL]),
    ],
)
def test_each_rule(password, failed):
    assert codes(password) == failed


def test_confirmation_must_be_equal():
    assert codes("Passw0rd", "Passw0rd") == []
    assert codes("Passw0rd", "passw0rd") == [CONFIRMATION]
    assert codes("Passw0rd", "") == [CONFIRMATION]
    assert codes("short", "other") == [LENGTH, DIGIT_OR_SYMBOL, CONFIRMATION]


def test_messages_are_clear():
    messages = {rule.code: str(rule.message) for rule in keystore_text.PASSWORD_RULES}

    assert messages[LENGTH] == "At least 8 characters."
    assert "digit or symbol" in messages[DIGIT_OR_SYMBOL]
    assert "accepted characters" in messages[CHARACTERS].lower()
    assert "confirmation" in messages[CONFIRMATION].lower()


def test_rules_for_browser_describe_the_same_policy():
    rules = keystore_text.password_rules_for_browser()

    assert rules["min_length"] == 8
    assert rules["accepted"] == "".join(chr(code) for code in range(32, 127))
    assert [rule["code"] for rule in rules["rules"]] == [LENGTH, CHARACTERS, DIGIT_OR_SYMBOL, CONFIRMATION]
    json.dumps(rules)  # rendered with json_script


# The browser script, run by Node against a minimal fake DOM, must agree with the server.
_HARNESS = r"""
const fs = require("fs");
const [script, policy, cases] = [process.argv[2], process.argv[3], JSON.parse(process.argv[4])];
function element(attrs) {
  const classes = new Set();
  const listeners = {};
  return {
    value: "", textContent: "", attrs: Object.assign({}, attrs),
    classList: { toggle(name, on) { on ? classes.add(name) : classes.delete(name); }, has(name) { return classes.has(name); } },
    getAttribute(name) { return this.attrs[name]; }, setAttribute(name, value) { this.attrs[name] = String(value); },
    addEventListener(type, fn) { listeners[type] = fn; }, fire(type) { listeners[type](); },
    querySelector() { return null; }, classes,
  };
}
const codes = JSON.parse(policy).rules.map((rule) => rule.code);
const items = codes.map((code) => element({"data-rule": code}));
const list = element({}); list.querySelectorAll = () => items;
const password = element({}); const confirmation = element({});
const data = element({}); data.textContent = policy;
global.document = {
  getElementById(id) { return {"password-policy": data, "password-checks": list}[id] || null; },
  querySelector(selector) { return selector.includes('"new"') ? password : selector.includes('"confirmation"') ? confirmation : null; },
};
eval(fs.readFileSync(script, "utf8"));
const results = cases.map(([value, confirm]) => {
  password.value = value; confirmation.value = confirm; password.fire("input");
  return items.filter((item) => item.attrs["data-passed"] !== "1").map((item) => item.attrs["data-rule"]);
});
console.log(JSON.stringify(results));
"""

BROWSER_CASES = [
    ("Passw0rd", "Passw0rd"), ("abcdefgh", "abcdefgh"), ("abcdéfg1", "abcdéfg1"), ("Pass0rd", "Pass0rd"),
    ("correct horse 9", "correct horse"), ("tab\tpass1", "tab\tpass1"), ("€uro-2025", ""), ("~!@#$%^&", "~!@#$%^&"),
]


@pytest.mark.slow
def test_browser_script_agrees_with_the_server(tmp_path):
    node = shutil.which("node")
    require_service(node is not None, "Node.js (to run static/js/password_policy.js)")
    harness = tmp_path / "harness.js"
    harness.write_text(_HARNESS)
    policy = json.dumps(keystore_text.password_rules_for_browser())

    completed = subprocess.run(
        [node, str(harness), str(PROJECT_ROOT / "static/js/password_policy.js"), policy, json.dumps(BROWSER_CASES)],
        capture_output=True, text=True, check=True, timeout=60,
    )

    assert json.loads(completed.stdout) == [codes(value, confirm) for value, confirm in BROWSER_CASES]


@pytest.mark.parametrize(
    ("language", "failure", "requirement"),
    [
        ("en", "does not match", "The confirmation matches the new password."),
        ("fr", "ne correspond pas", "La confirmation correspond au nouveau mot de passe."),
        ("nl", "komt niet overeen", "De bevestiging komt overeen met het nieuwe wachtwoord."),
    ],
)
def test_a_confirmation_mismatch_says_it_does_not_match(language, failure, requirement):
    """The checklist line states the rule; the error says what is wrong (never "is equal")."""
    with translation.override(language):
        [rule] = keystore_text.failed_password_rules("Passw0rd-1", "Passw0rd-2")
        assert rule.code == CONFIRMATION and failure in str(rule.message)
        [listed] = [item for item in keystore_text.password_rules_for_browser()["rules"] if item["code"] == CONFIRMATION]
        assert listed["requirement"] == requirement
