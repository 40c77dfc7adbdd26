"""Convert a model file of format version 1 (levels keyed by their label) to version 2 (by id).

``python -m resolver.model.migrate OLD.json [NEW.json]`` (in place without NEW.json). The table
below is frozen: it lists the labels version-1 files were written with, whatever the labels
read today.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from resolver.errors import ModelError, ResolverError

V1_LABELS: dict[str, dict[str, str]] = {
    "name": {
        "name: same words (any romanization, any order), distinctive": "name.exact_distinctive",
        "name: same name, common words only": "name.exact_common",
        "name: same words (any romanization, any order)": "name.same_keys",
        "name: same letters when joined (split/joined words)": "name.same_joined",
        "whole name within 1 edit(s)": "name.within_1_edit",
        "whole name within 2 edit(s)": "name.within_2_edits",
        "rare-word overlap >= 0.8": "name.overlap_80",
        "rare-word overlap allowing one-letter differences >= 0.8": "name.fuzzy_overlap_80",
        "rare-word overlap >= 0.6 or near-equal name keys": "name.overlap_60_or_similar_keys",
        "one name is the initials of the other (>= 3 letters)": "name.initialism",
        "rare-word overlap >= 0.45": "name.overlap_45",
        "rare-word overlap >= 0.2": "name.overlap_20",
        "All other comparisons": "name.other",
    },
    "legal_form": {
        "legal form: same class": "legal_form.same_class",
        "legal form: compatible class (e.g. PJSC and JSC)": "legal_form.compatible_class",
        "legal_class: one missing": "legal_form.one_missing",
        "legal form: different class": "legal_form.different_class",
    },
    "name_numbers": {
        "numbers in name: same": "name_numbers.same",
        "numbers in name: differ": "name_numbers.different",
    },
    "country": {"country: same": "country.same", "All other comparisons": "country.other"},
    "place": {
        "place: same address": "place.same_address",
        "place: address rare-word overlap >= 0.7": "place.address_overlap_70",
        "place: address rare-word overlap >= 0.4": "place.address_overlap_40",
        "place: same postcode": "place.same_postcode",
        "place: same city": "place.same_city",
        "place: different": "place.different",
    },
    "tax_id": {
        "tax id: same": "tax_id.same",
        "tax id: within 2 edits (typo)": "tax_id.within_2_edits",
        "tax id: both present, different": "tax_id.different",
    },
}


def migrate_v1(data: dict[str, Any], source: str = "model") -> dict[str, Any]:
    """The version-2 form of a version-1 model file's JSON (nothing but the keys changes)."""
    if data.get("format_version") != 1:
        raise ModelError(f"{source}: not a version-1 model file")
    comparisons = {}
    for name, levels in data.get("comparisons", {}).items():
        table = V1_LABELS.get(name, {})
        out = []
        for level in levels:
            label = level.get("label")
            if label not in table:
                raise ModelError(
                    f"{source}: comparison '{name}': unknown version-1 level {label!r}"
                )
            out.append({"id": table[label], "m": level["m"], "u": level["u"]})
        comparisons[name] = out
    return {**data, "format_version": 2, "comparisons": comparisons}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2):
        print("usage: python -m resolver.model.migrate OLD.json [NEW.json]", file=sys.stderr)
        return 2
    from resolver.io.outputs import check_output_file
    from resolver.io.writers import write_json
    from resolver.model.params import ModelParams, is_model_file

    source = Path(args[0])
    try:
        # replaces only a model file (the old one, in place), never a link, folder or other file
        target = check_output_file(
            args[-1], True, is_ours=is_model_file, what="a resolver model file"
        )
        data = json.loads(source.read_text(encoding="utf-8"))
        migrated = migrate_v1(data, str(source))
        ModelParams.from_dict(migrated, str(source))  # the result must load
        write_json(migrated, target)
    except (OSError, ValueError) as exc:
        print(f"resolver: {source}: {exc}", file=sys.stderr)
        return 2
    except ResolverError as exc:
        print(f"resolver: {exc.message}", file=sys.stderr)
        return exc.exit_code
    print(f"{args[-1]}: model format version 2")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
