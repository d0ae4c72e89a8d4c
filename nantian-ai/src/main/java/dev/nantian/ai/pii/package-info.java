/**
 * PII redaction: validated detectors (Luhn, IBAN mod-97, SSN allocation rules, e-mail, phone, IP, credential
 * shapes) and the mask, hash and block modes, applied to JSON string values only so that a body stays valid JSON.
 */
package dev.nantian.ai.pii;
