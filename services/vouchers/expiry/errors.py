"""Problems of expiry (a job, not a route: they surface in its log and roll the round back)."""

from services.common.errors import Conflict


class BooksOutOfBalance(Conflict):
    """A programme's committed budget is smaller than a voucher's balance being released."""

    code = "voucher_books_out_of_balance"
