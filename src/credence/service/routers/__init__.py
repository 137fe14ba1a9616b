"""The endpoints, one router per domain: public, subjects, relying parties, operators, auditors."""
