/**
 * A header is read as C, and again as C++ only when that may read it better. A C header whose
 * only fault is a declaration macro without its `;` is not parsed twice; a C++ header that C
 * reads with the same kind of fault still is, and is kept as C++.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Parser } from 'web-tree-sitter';
import { extractFileFacts } from '../src/parser/extract.js';
import { mayReadBetterAsCpp } from '../src/parser/header-language.js';
import { loadLanguages } from '../src/parser/languages.js';
import { decodeSource } from '../src/source/decode.js';

/** C reads it with one invented `;`, after the macro; so does C++. */
const CONTEXT_MACRO_WITHOUT_SEMICOLON = `typedef struct _DEVICE_CONTEXT {
    WDFQUEUE Queue;
} DEVICE_CONTEXT, *PDEVICE_CONTEXT;

WDF_DECLARE_CONTEXT_TYPE_WITH_NAME(DEVICE_CONTEXT, DeviceGetContext)

EVT_WDF_DRIVER_DEVICE_ADD EvtDeviceAdd;
`;

/** C reads each with one invented token and no ERROR node; C++ reads each cleanly. */
const CPP_THAT_C_READS_WITH_AN_INVENTED_TOKEN: Record<string, string> = {
  'a class with a friend': `class CRecorder
{
public:
    NTSTATUS Start();

    friend
    IO_WORKITEM_ROUTINE RecorderWorker;

private:
    PVOID m_Buffer;
};
`,
  'empty access sections': `class CHardware
{
public:
    ULONG Channels();
protected:
private:
};
`,
  'a using directive': `using namespace Gdiplus;

NTSTATUS Convert(PVOID Image);
`,
  'an array braced without =': `static PVOID Pointers[]
{
    NULL,
    &Info
};
`,
};

/** C meets an ERROR here, with no C++ syntax the header's text is searched for. */
const CONST_METHOD = 'ULONG Count(PDEVICE Device) const;\n';

describe('the grammar a header is read with', () => {
  let c: Parser;
  before(async () => {
    const { c: grammar } = await loadLanguages();
    c = new Parser();
    c.setLanguage(grammar);
  });
  const worthCpp = (text: string): boolean => {
    const tree = c.parse(text)!;
    try {
      return mayReadBetterAsCpp(tree.rootNode, text);
    } finally {
      tree.delete();
    }
  };

  it('is C alone when C reads the header cleanly', () => {
    assert.equal(worthCpp('NTSTATUS Start(PDEVICE_CONTEXT Context);\n'), false);
  });

  it('is C alone when C only invents a token and the text has no C++ syntax', () => {
    assert.equal(worthCpp(CONTEXT_MACRO_WITHOUT_SEMICOLON), false);
  });

  it('is tried as C++ when C meets an ERROR', () => {
    assert.equal(worthCpp(CONST_METHOD), true);
  });

  for (const [what, text] of Object.entries(CPP_THAT_C_READS_WITH_AN_INVENTED_TOKEN)) {
    it(`is tried as C++ when C only invents a token but the text shows C++ syntax: ${what}`, async () => {
      assert.equal(worthCpp(text), true);
      const facts = await extractFileFacts('header.h', decodeSource(Buffer.from(text, 'utf8')));
      assert.equal(facts.language, 'cpp');
      assert.equal(facts.errorCount, 0);
    });
  }

  it('keeps C, with its one fault, for the macro without its semicolon', async () => {
    const facts = await extractFileFacts('context.h', decodeSource(Buffer.from(CONTEXT_MACRO_WITHOUT_SEMICOLON, 'utf8')));
    assert.equal(facts.language, 'c');
    assert.equal(facts.errorCount, 1);
  });
});
