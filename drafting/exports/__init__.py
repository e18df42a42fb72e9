"""Writers of clean, redline, compilation and disposition texts over plain data.

Nothing here touches Flask or the database: services build an `ExportDocument` and hand it to
a writer, which returns bytes.
"""
