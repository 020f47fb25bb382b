"""Problems of the query log (the ownership refusal is consents' `not_your_enterprise`)."""
