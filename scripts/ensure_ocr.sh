#!/usr/bin/env bash
# OCR of scanned PDF pages on ingest uses Debian's Tesseract with its English data (never a downloaded model).
# Installs them when missing and we are root; otherwise scanned PDFs are refused with a reason, and the OCR
# tests skip with one.
set -u
if command -v tesseract >/dev/null 2>&1 && tesseract --list-langs 2>/dev/null | grep -qx eng; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian tesseract-ocr (+ English) for OCR of scanned PDFs…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tesseract-ocr tesseract-ocr-eng >/dev/null) \
    || echo "warning: could not install tesseract-ocr; scanned PDFs will be refused and the OCR tests skipped"
else
  echo "note: tesseract not found and not root; scanned PDFs will be refused and the OCR tests skipped"
fi
exit 0
