#!/usr/bin/env python3
"""Prints the worst of one page's Lighthouse runs (JSON reports) as one line of scores and
metrics, then every audit of the accessibility and best-practices categories that did not
pass (what to fix). The worst: the lowest sum of the three category scores.

Usage: lighthouse.py LABEL REPORT.json [REPORT.json]..."""
import json
import sys

label = sys.argv[1]
reports = [json.load(open(f)) for f in sys.argv[2:]]


def total(report):
    return sum(report["categories"][k]["score"] or 0 for k in ("performance", "accessibility", "best-practices"))


report = min(reports, key=total)
cats = report["categories"]
audits = report["audits"]
runs = "/".join(str(round((r["categories"]["performance"]["score"] or 0) * 100)) for r in reports)


def score(key):
    value = cats[key]["score"]
    return "n/a" if value is None else f"{round(value * 100)}"


lcp = audits["largest-contentful-paint"]["numericValue"]
tbt = audits["total-blocking-time"]["numericValue"]
cls = audits["cumulative-layout-shift"]["numericValue"]
fcp = audits["first-contentful-paint"]["numericValue"]
print(
    f"{label:<10} performance {score('performance'):>3}  accessibility {score('accessibility'):>3}  "
    f"best practices {score('best-practices'):>3}  |  FCP {fcp / 1000:.2f} s  LCP {lcp / 1000:.2f} s  "
    f"TBT {tbt:.0f} ms  CLS {cls:.3f}  (performance of the {len(reports)} runs: {runs})"
)
for key in ("performance", "accessibility", "best-practices"):
    for ref in cats[key]["auditRefs"]:
        audit = audits[ref["id"]]
        if ref.get("weight", 0) > 0 and audit.get("score") is not None and audit["score"] < 1:
            if key == "performance" and audit["score"] >= 0.9:
                continue
            print(f"    {key}: {ref['id']} ({audit['score']}): {audit.get('displayValue', audit['title'])}")
