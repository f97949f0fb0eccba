"""socialscore: credit organic social interactions to contacts, sellers and CRM opportunities."""
