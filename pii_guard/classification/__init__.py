"""Classification: the taxonomy (entity -> category -> tier) and the rule packs it comes from."""

from pii_guard.classification.fieldnames import FieldNameEvidence
from pii_guard.classification.pack import RulePack, RulePackError, load_rule_pack
from pii_guard.classification.taxonomy import Category, Classification, Taxonomy

__all__ = ["Category", "Classification", "FieldNameEvidence", "RulePack", "RulePackError",
           "Taxonomy", "load_rule_pack"]
