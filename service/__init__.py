"""canvas-imports: a Canvas-LMS-compatible server for the SIS Imports and Outcome Imports APIs."""
