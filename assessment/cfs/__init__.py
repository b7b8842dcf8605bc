"""911 calls-for-service import: file reading, column mapping, time parsing, bulk loading,
call-type suggestions. The app's services.py and selectors.py are the public interface."""
