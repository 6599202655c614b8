/* libxml2 for Swift. Debian builds libxml2 with ICU, and <libxml/encoding.h> then includes
   <unicode/ucnv.h>, which clashes with the ICU copy Foundation ships. Sieve never touches the
   ICU-specific encoding-handler fields, so the ICU include is switched off before the headers. */
#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/HTMLparser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlsave.h>
#include <libxml/uri.h>
