"""The Google Sheets backend, split by concept as gspread splits itself:

- `transport`: the one requests.Session every Sheets and token request goes through, with its
  timeouts and bounded, jittered retries;
- `reading`: what one spreadsheets.get returns, as a Snapshot;
- `tabs`: request builders (a tab, its protection and stamp, History cells as requests);
- `plan`: a Change as one batchUpdate, and the check of whether it landed;
- `errors`: Google's error answers, and the messages staff read;
- `spreadsheet`: the Backend itself, sequencing them.
"""

from mixitup.backends.google.spreadsheet import GoogleBackend, open_google_backend

__all__ = ["GoogleBackend", "open_google_backend"]
