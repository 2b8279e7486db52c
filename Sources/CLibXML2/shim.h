#include <libxml/xmlversion.h>
/* Debian's libxml2 is built with ICU, so encoding.h would include the system's <unicode/*.h>,
   whose UErrorCode clashes with Foundation's bundled ICU in modules that import both.
   Nothing here touches the ICU converter fields, which sit only behind pointers. */
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>

/* xmlFree is a global function pointer, which Swift 6 rejects as not concurrency-safe. */
static inline void clibxml2_free(void *pointer) {
    xmlFree(pointer);
}
