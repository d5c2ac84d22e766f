"""Graded authorisation: Casbin models and policies, the policy store, grants and approvals."""
