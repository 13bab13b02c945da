"""Peiyu's own check for the API contract run (scripts/api-contract).

Some rules cannot be written as JSON Schema: a USCC's check character, a county or advisor
that must exist, one field against another (tech_staff <= employees), a date against today.
The OpenAPI document states them in the field descriptions, and the code answers a request
that breaks one with a 400 naming the field. schemathesis.toml lets those operations answer
400 to schema-valid data; this check makes sure that such a 400 is one of those rules and
nothing else (a 400 for a value the document admits is still a contract failure).
"""

import schemathesis

FIRM_RULES = {
    "unknown_county",  # a county code must be one of the configured counties
    "unknown_sector",  # likewise a sector code
    "unknown_advisor",  # an advisor id must be an active advisor's
    "county_outside_territory",  # a county officer may move a firm only within the territory
    "tech_staff_exceeds_employees",  # tech_staff <= employees (the stored ones in a patch)
    "date_in_future",  # founded_on not after today (China)
    "date_implausible",  # founded_on not before 1900-01-01
    "invalid_industry_code",  # the section letter must be the division's
    "invalid_email",  # the local part is at most 64 bytes, not characters
}

# Schema-valid requests the code refuses for a rule the document can only say in words.
UNSTATED_RULES = {
    ("POST", "/api/v1/firms"): FIRM_RULES | {"invalid_uscc"},  # the check character
    ("PATCH", "/api/v1/firms/{id}"): FIRM_RULES,
    ("PUT", "/api/v1/firms/{id}/years/{year}"): {
        "domestic_exceeds_total",  # rd_expense_domestic <= rd_expense
        "high_tech_exceeds_revenue",  # high_tech_revenue <= revenue
        "total_income_below_revenue",  # total_income >= revenue
    },
    ("POST", "/api/v1/firms/{id}/ip"): {"date_in_future"},  # granted_on not after today
    # An upload's type is decided from its bytes, and the kinds asked for depend on the
    # application's target: no schema can state either.
    ("POST", "/api/v1/applications/{id}/documents"): {
        "document_type",
        "document_empty",
        "document_zip_bomb",
        "document_misnamed",
        "document_not_what_named",
        "document_kind",
    },
}


@schemathesis.check
def bad_input_only_for_unstated_rules(ctx, response, case):
    """A schema-valid request refused with 400 names a rule the schema cannot state."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 400:
        return None
    try:
        code = response.json()["error"]["code"]
    except Exception:  # noqa: BLE001 - any unreadable body is the failure itself
        code = None
    allowed = UNSTATED_RULES.get((case.method.upper(), case.operation.path), set())
    if code not in allowed:
        raise AssertionError(
            f"schema-valid data refused with 400 `{code}`, not a rule the schema leaves "
            f"to the description ({', '.join(sorted(allowed)) or 'none for this operation'})"
        )
    return None
